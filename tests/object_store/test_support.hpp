#pragma once
// Helpers shared by the object store's tests.

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/poll.hpp"

namespace object_store_test {

/// A shared-memory name no other test, and no other run of this binary, uses.
inline std::string unique_shm_name() {
  static std::atomic<int> counter{0};
  return "/actors-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

/// Polls `done` until it holds or `limit` passes; says whether it held. For waiting on a
/// background thread, not for measuring it.
template <class Predicate>
bool eventually(Predicate done, std::chrono::seconds limit = std::chrono::seconds(60)) {
  return test_support::poll_until(done, limit, std::chrono::milliseconds(2));
}

/// How many of the pages of [p, p + n) are resident (p page-aligned).
inline std::size_t resident_pages(const std::byte* p, std::uint64_t n) {
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> flags((n + page - 1) / page);
  if (::mincore(const_cast<std::byte*>(p), n, flags.data()) != 0) return 0;
  std::size_t count = 0;
  for (auto f : flags) count += f & 1;
  return count;
}

struct child_outcome {
  bool exited = false;  // by _exit: then `code` is its status
  int code = -1;
  int signal = 0;       // killed by this signal
  std::string stderr_text;
};

/// Runs `body` in a forked child with its stderr captured; the child ends with _exit(0) if
/// body returns. For checking that a bug aborts, and for reading shared memory from another
/// process.
inline child_outcome run_in_child(const std::function<void()>& body) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child dies by its own signals: doctest's crash handlers would report a failed test
    // and print a summary of their own.
    std::signal(SIGABRT, SIG_DFL);
    std::signal(SIGSEGV, SIG_DFL);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    body();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  child_outcome out;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) out.stderr_text.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return out;
  out.exited = WIFEXITED(status);
  out.code = out.exited ? WEXITSTATUS(status) : -1;
  out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return out;
}

/// A program started with fork + exec (posix_spawn), its stdout on a pipe. Every wait is
/// bounded; a child still running when this goes is killed and reaped, so no test leaves one.
class child_process {
 public:
  explicit child_process(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);  // dup2 clears CLOEXEC
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // environ (glibc declares it, g++ defines _GNU_SOURCE): the sanitizers' options go along.
    if (::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~child_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  /// The next line of its stdout, without the newline; nullopt at end of output or after `limit`.
  std::optional<std::string> line(std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string text = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return text;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[256];
      const auto n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// Waits at most `limit` for it to end and reaps it; after that, kills and reaps it (the
  /// outcome then says SIGKILL).
  child_outcome wait(std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    child_outcome out;
    if (pid_ <= 0) return out;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0) {
        pid_ = -1;
        return out;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pid_ = -1;
    out.exited = WIFEXITED(status);
    out.code = out.exited ? WEXITSTATUS(status) : -1;
    out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return out;
  }

  /// Sends `signal` without waiting for its end.
  void kill(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

/// The helper program of the cross-process tests (child_main.cpp).
inline std::string child_program() { return ACTORS_OBJECT_STORE_TEST_CHILD; }

/// A session name for segment names that no other test, nor any other run, uses.
inline std::string unique_session() {
  static std::atomic<int> counter{0};
  return "test" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

}  // namespace object_store_test
