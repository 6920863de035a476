// actors stop: ends every actors daemon of the sessions under --temp-dir on this machine.

#include "access.hpp"
#include "commands.hpp"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <thread>

namespace actors::cli {

const char* const stop_help = R"(Usage: actors stop [options]

Stops every actors head and node started on this machine under the temp dir: each gets SIGTERM
(nodes first, so they can tell the head they leave), then SIGKILL if it has not exited within
the grace period. Their records and sockets are removed; stale records of daemons that already
died (killed, crashed) are cleaned up too. Prints what it stopped.

Options:
  --temp-dir DIR         where session folders live (default /tmp/actors)
  --grace-period SECONDS how long to wait after SIGTERM before SIGKILL (default 10)
  --help                 show this text
)";

namespace {

const std::vector<flag_spec> stop_flags = {{"temp-dir"}, {"grace-period"}};

std::string describe(const node_record& r) {
  return r.role + " " + r.node_id.substr(0, 8) + " (pid " + std::to_string(r.pid) + ", " + host_port(r.address) + ")";
}

void remove_leftovers(const node_record& r) {
  std::error_code ec;
  fs::remove(r.file, ec);
  if (!r.unix_socket.empty() && fs::is_socket(fs::symlink_status(r.unix_socket, ec))) fs::remove(r.unix_socket, ec);
  // Its worker pool's socket (start.cpp names it by the node id), left by a daemon that was killed.
  auto pool = fs::path(r.file).parent_path().parent_path() / "sockets" / ("node_" + r.node_id.substr(0, 8) + ".sock");
  if (fs::is_socket(fs::symlink_status(pool, ec))) fs::remove(pool, ec);
}

bool wait_until_gone(const std::vector<node_record*>& procs, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    bool any = false;
    for (const auto* r : procs) any = any || is_running(*r);
    if (!any) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

int run_stop(const std::vector<std::string>& args) {
  parsed_flags f(args, stop_flags);
  auto temp_dir = fs::absolute(f.text("temp-dir").value_or(default_temp_dir)).lexically_normal();
  auto grace = std::chrono::milliseconds(static_cast<long>(f.number("grace-period").value_or(10) * 1000));

  auto records = find_node_records(temp_dir);
  if (records.empty()) {
    std::cout << "No actors processes found under " << temp_dir.string() << ".\n";
    return 0;
  }
  int failures = 0;
  std::vector<node_record*> signalled;
  // Nodes before heads: a node that stops while its head still runs can say it leaves.
  for (const char* role : {"node", "head"})
    for (auto& r : records) {
      if (r.role != role) continue;
      if (!is_running(r)) {
        std::cout << "Removed the record of " << describe(r) << ": it was no longer running.\n";
        remove_leftovers(r);
        continue;
      }
      if (::kill(r.pid, SIGTERM) != 0) {
        std::cerr << "actors stop: cannot signal " << describe(r) << ": " << std::strerror(errno) << "\n";
        ++failures;
        continue;
      }
      signalled.push_back(&r);
    }

  if (!wait_until_gone(signalled, std::chrono::steady_clock::now() + grace)) {
    for (auto* r : signalled)
      if (is_running(*r)) {
        std::cout << "Killing " << describe(*r) << ": it did not stop within "
                  << grace.count() / 1000.0 << " s of SIGTERM.\n";
        ::kill(r->pid, SIGKILL);
      }
    if (!wait_until_gone(signalled, std::chrono::steady_clock::now() + std::chrono::seconds(5))) ++failures;
  }
  for (auto* r : signalled) {
    if (is_running(*r)) {
      std::cerr << "actors stop: " << describe(*r) << " is still running\n";
      continue;
    }
    std::cout << "Stopped " << describe(*r) << ".\n";
    remove_leftovers(*r);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace actors::cli
