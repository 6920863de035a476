#pragma once
// Running a node as a daemon: fork, a new session, output into the session's log; the parent
// waits (bounded) for the daemon's record to appear, or reports why it did not with the end of
// its log. And what the daemon itself needs: timestamped log lines and a wait for SIGTERM.

#include "session.hpp"

#include "transport/log.hpp"

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace actors::cli {

/// Forks. In the parent returns the child's pid. In the child (returns 0) the process has left
/// the terminal's session, reads /dev/null and writes stdout and stderr to `log_file`.
/// Call it before any thread exists: only the calling thread survives a fork.
pid_t fork_daemon(const fs::path& log_file);

/// What became of a daemon the parent waits for.
struct start_outcome {
  std::optional<node_record> ready;  // its record, once written
  std::string failure;               // otherwise: why, with the last lines of its log
};

/// Waits until the daemon `pid` writes the record `<session>/nodes/<node_id>.json`, exits, or
/// `timeout` passes (then it is killed, so no half-started daemon is left behind).
start_outcome wait_until_ready(pid_t pid, const session& s, const std::string& node_id,
                               const fs::path& log_file, std::chrono::milliseconds timeout);

/// The last `n` lines of a file, each indented, for error messages.
std::string last_lines(const fs::path& file, int n);

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread it starts later, so
/// they can be taken synchronously by wait_for_stop. Call before starting any thread.
void block_stop_signals();
/// Returns the name of the signal that asked this process to stop, or "" once `give_up` is set.
std::string wait_for_stop(const std::atomic<bool>& give_up);

/// Log lines with a UTC timestamp, written to standard error (the daemon's log file) in one
/// write each. Thread-safe.
net::log_fn daemon_log();

}  // namespace actors::cli
