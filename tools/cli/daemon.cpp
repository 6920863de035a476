#include "daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace actors::cli {

pid_t fork_daemon(const fs::path& log_file) {
  std::fflush(nullptr);  // buffered output must not be written twice, once by each process
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  if (pid > 0) return pid;
  ::setsid();  // no controlling terminal: closing the shell does not send SIGHUP
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (in < 0 || out < 0) std::_Exit(70);  // nowhere left to say why; the parent reports the exit
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  ::close(in);
  ::close(out);
  [[maybe_unused]] int ignored = ::chdir("/");  // do not keep the directory the user started us from busy
  return 0;
}

std::string last_lines(const fs::path& file, int n) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (static_cast<int>(lines.size()) > n) lines.pop_front();
  }
  if (lines.empty()) return "    (the log is empty)\n";
  std::string out;
  for (const auto& l : lines) out += "    " + l + "\n";
  return out;
}

start_outcome wait_until_ready(pid_t pid, const session& s, const std::string& node_id,
                               const fs::path& log_file, std::chrono::milliseconds timeout) {
  auto record_path = s.nodes() / (node_id + ".json");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  start_outcome result;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::string how = WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                                          : "was killed by signal " + std::to_string(WTERMSIG(status));
      result.failure = "the daemon (pid " + std::to_string(pid) + ") " + how + " while starting. Last lines of " +
                       log_file.string() + ":\n" + last_lines(log_file, 15);
      return result;
    }
    if (fs::exists(record_path)) {
      auto parent = s.dir.parent_path();
      for (auto& r : find_node_records(parent))
        if (r.node_id == node_id) {
          result.ready = std::move(r);
          return result;
        }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  result.failure = "the daemon (pid " + std::to_string(pid) + ") was not ready after " +
                   std::to_string(timeout.count() / 1000) + " s and was stopped. Last lines of " +
                   log_file.string() + ":\n" + last_lines(log_file, 15);
  return result;
}

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_stop_signals() {
  auto set = stop_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string wait_for_stop(const std::atomic<bool>& give_up) {
  auto set = stop_signals();
  // Polling a flag every 100 ms: the node manager's fatal errors arrive on its own thread.
  timespec poll{0, 100'000'000};
  while (!give_up.load()) {
    int sig = ::sigtimedwait(&set, nullptr, &poll);
    if (sig > 0) return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGHUP";
  }
  return {};
}

net::log_fn daemon_log() {
  return [](net::log_level level, std::string_view line) {
    if (level == net::log_level::debug) return;
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::array<char, 32> stamp{};
    std::strftime(stamp.data(), stamp.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::string text = std::string(stamp.data()) + " " + std::string(net::to_string(level)) + " " +
                       std::string(line) + "\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, text.data(), text.size());
  };
}

}  // namespace actors::cli
