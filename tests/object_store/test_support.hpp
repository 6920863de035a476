#pragma once
// Helpers shared by the object store's tests.

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
#include <string>
#include <thread>
#include <vector>

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
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
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

}  // namespace object_store_test
