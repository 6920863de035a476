// Metrics measured by running the project's other programs, found beside this one:
//   head_start_s       how long `actors start --head` takes until the head serves (the command
//                      returns once its daemon is ready), the cost a user pays before the first
//                      cluster driver;
//   object_transfer_*  actors-transfer-bench: one object pulled from another node's store into
//                      this one's, beside a raw TCP transfer of the same size between the same
//                      two processes in the same run (docs/object_transfer.md);
//   recovery_s         on a cluster started with `actors` for it: a node's manager and workers
//                      are killed while two tasks run there; the time until both have completed
//                      on another node (docs/fault_tolerance.md);
//   recovery_hung_s    the same with the node stopped (SIGSTOP: a hung host, whose connections
//                      stay open), which costs the head's heartbeat timeout first.
#include "metrics.hpp"

#include <actors/actors.hpp>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace actors_bench {
namespace {

namespace fs = std::filesystem;

/// The program `name` of this build: $`env`, else the one built beside this program.
std::string beside_this_program(const std::string& name, const char* env) {
  if (const char* set = std::getenv(env); set && *set) return set;
  std::error_code ec;
  auto beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / name;
  if (ec || !fs::exists(beside))
    throw std::runtime_error(name + " is not beside actors-bench; set $" + env + " to it");
  return beside.string();
}

int run(const std::string& command) { return std::system(command.c_str()); }

/// `word` in single quotes, for a shell command. Built by appending: g++ 12 at -O2 warns
/// (-Wrestrict, a false positive: GCC bug 105651) on "'" + std::string.
std::string quoted(const std::string& word) {
  std::string q(1, '\'');
  q += word;
  q += '\'';
  return q;
}

/// One JSON line of another benchmark program, read back: what emit() needs to print it again.
struct relayed {
  std::string metric, unit;
  double value = 0;
  std::vector<double> runs;
};

std::optional<relayed> parse_line(const std::string& line) {
  static const std::regex fields(R"re("metric": "([^"]+)", "value": ([-0-9.e+]+|null), "unit": "([^"]*)")re");
  static const std::regex runs(R"re("runs": \[([^\]]*)\])re");
  std::smatch m;
  if (!std::regex_search(line, m, fields)) return std::nullopt;
  relayed r{.metric = m[1], .unit = m[3], .value = m[2] == "null" ? std::nan("") : std::stod(m[2])};
  if (std::regex_search(line, m, runs)) {
    std::string list = m[1];
    for (std::size_t at = 0; at < list.size();) {
      auto comma = list.find(',', at);
      r.runs.push_back(std::stod(list.substr(at, comma - at)));
      at = comma == std::string::npos ? list.size() : comma + 1;
    }
  }
  return r;
}

/// Runs `command` and returns what it printed; throws if it fails.
std::string output_of(const std::string& command) {
  FILE* out = ::popen(command.c_str(), "r");
  if (!out) throw std::runtime_error("cannot run " + command);
  std::string text;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, out)) text += buf;
  if (int status = ::pclose(out); status != 0)
    throw std::runtime_error(command + " failed (status " + std::to_string(status) + "):\n" + text);
  return text;
}

/// Polls `done` every 20 ms for `bound`; throws saying `what` if it never holds.
template <class F>
void wait_until(F done, std::chrono::seconds bound, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("timed out waiting for " + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

/// recovery_s's task: the first run (no file at `marker`) creates it and hangs, so that it is
/// still running when its node is killed; a run after that returns at once.
int hang_first_time(std::string marker) {
  if (!fs::exists(marker)) {
    std::ofstream(marker) << "started\n";
    std::this_thread::sleep_for(std::chrono::minutes(5));
  }
  return 1;
}

void head_start_s(context& ctx) {
  const auto cli = quoted(beside_this_program("actors", "ACTORS_CLI"));
  auto once = [&] {
    char pattern[] = "/tmp/acH_XXXXXX";  // short: Unix socket paths must fit in 107 bytes
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    std::string dir = pattern;
    auto start = std::chrono::steady_clock::now();
    int started = run(cli + " start --head --port 0 --num-cpus 1 --temp-dir " + dir + " >/dev/null 2>&1");
    auto ready = std::chrono::steady_clock::now();
    run(cli + " stop --temp-dir " + dir + " >/dev/null 2>&1");
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (started != 0) throw std::runtime_error("actors start --head failed (exit status " + std::to_string(started) + ")");
    return std::chrono::duration<double>(ready - start).count();
  };
  auto runs = ctx.repeat(ctx.pick(5, 3), once);
  ctx.emit(json_line("head_start_s", median(runs), "s"), runs);
}

namespace {

/// recovery_s and recovery_hung_s: `how` (SIGKILL or SIGSTOP) goes to a node's manager and
/// workers while two tasks run there; the time until both completed on a spare node.
std::vector<double> recovery_runs(context& ctx, int how) {
  const auto cli = quoted(beside_this_program("actors", "ACTORS_CLI"));
  actors::shutdown();  // this program drives the cluster below; its own runtime comes back after
  auto once = [&] {
    char pattern[] = "/tmp/acR_XXXXXX";  // short: Unix socket paths must fit in 107 bytes
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    const std::string dir = pattern;
    pid_t doomed = 0;
    auto clean_up = [&] {
      if (actors::is_initialized()) actors::shutdown();
      if (doomed > 0) ::kill(-doomed, SIGKILL);
      run(cli + " stop --temp-dir " + dir + " >/dev/null 2>&1");
      std::error_code ec;
      fs::remove_all(dir, ec);
    };
    try {
      // A head, then the node to kill, in a session of its own (setsid) so that its manager and
      // its workers go together, as on a host that dies; the tasks need {"recovery": 1}.
      auto banner = output_of(cli + " start --head --port 0 --num-cpus 1 --temp-dir " + dir + " 2>&1");
      std::smatch m;
      if (!std::regex_search(banner, m, std::regex(R"(address:\s+(\S+))"))) throw std::runtime_error("no head address");
      const std::string address = m[1];
      std::string token;
      std::ifstream(dir + "/session_latest/token") >> token;
      actors::init(actors::config{.address = address, .token = token});
      const std::string node = " start --address " + address + " --temp-dir " + dir +
                               " --num-cpus 2 --resources '{\"recovery\": 2}'";
      doomed = std::stoi(output_of("(exec setsid " + cli + node + " --block > " + dir + "/doomed.log 2>&1) & echo $!"));
      wait_until([] { return actors::nodes().size() == 2; }, std::chrono::seconds(30), "the node to join");
      std::vector<actors::object_ref<int>> lost;
      for (int i = 0; i < 2; ++i)
        lost.push_back(actors::task(hang_first_time)
                           .set_resources({{"CPU", 1}, {"recovery", 1}})
                           .remote(dir + "/started_" + std::to_string(i)));
      wait_until([&] { return fs::exists(dir + "/started_0") && fs::exists(dir + "/started_1"); },
                 std::chrono::seconds(60), "the tasks to start");
      output_of(cli + node + " 2>&1");  // the node they will finish on
      wait_until([] { return actors::nodes().size() == 3; }, std::chrono::seconds(30), "the spare node to join");
      auto killed = std::chrono::steady_clock::now();
      ::kill(-doomed, how);
      if (actors::wait(lost, 2, std::chrono::seconds(120)).ready.size() != 2)
        throw std::runtime_error("the tasks of the killed node did not complete elsewhere within 120 s");
      auto done = std::chrono::steady_clock::now();
      for (const auto& r : lost) actors::get(r);  // throws if one failed instead
      clean_up();
      return std::chrono::duration<double>(done - killed).count();
    } catch (...) {
      clean_up();
      throw;
    }
  };
  std::vector<double> runs;
  try {
    runs = ctx.repeat(ctx.heavy_repeats(), once, false);
  } catch (...) {
    ctx.init_again();
    throw;
  }
  ctx.init_again();
  return runs;
}

}  // namespace

void recovery_s(context& ctx) {
  auto runs = recovery_runs(ctx, SIGKILL);
  ctx.emit(json_line("recovery_s", median(runs), "s")
               .add("how", "SIGKILL of a node's manager and workers while 2 tasks run there, until both completed "
                           "on another node"),
           runs);
}

void recovery_hung_s(context& ctx) {
  auto runs = recovery_runs(ctx, SIGSTOP);
  ctx.emit(json_line("recovery_hung_s", median(runs), "s")
               .add("how", "SIGSTOP of a node's manager and workers (a hung host: its connections stay open) while "
                           "2 tasks run there, until both completed on another node; the head's heartbeat timeout "
                           "(5 s by default) comes first"),
           runs);
}

void object_transfer(context& ctx) {
  // 1 GiB per transfer (quick: 64 MiB), its own warm-up and repeats; always between two
  // processes with stores of their own, whatever this run's mode.
  auto command = quoted(beside_this_program("actors-transfer-bench", "ACTORS_TRANSFER_BENCH")) +
                 (ctx.quick() ? " --quick" : "") + " --repeat " + std::to_string(ctx.heavy_repeats());
  const auto text = output_of(command);
  std::size_t relayed_lines = 0;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    auto line = parse_line(text.substr(at, end - at));
    at = end == std::string::npos ? text.size() : end + 1;
    if (!line) continue;
    ctx.emit(json_line(line->metric, line->value, line->unit).add("between", "two processes with node stores"),
             line->runs);
    ++relayed_lines;
  }
  if (relayed_lines == 0) throw std::runtime_error(command + " printed no metric");
}

}  // namespace actors_bench

ACTORS_REMOTE(actors_bench::hang_first_time)
