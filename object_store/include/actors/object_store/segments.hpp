#pragma once
/// Names of shared-memory segments, and the removal of those whose owner died.
///
/// A node's segments are named "/actors-<session>-<pid>-<serial>": the session that made them
/// (1 to 64 of [A-Za-z0-9_], so never a '-'), the id of the process that created the segment and
/// so owns it (decimal), and a serial that tells apart several segments of one process (decimal,
/// 0 for a node's one store). The name alone then says whether its owner still lives, and a
/// node manager that starts calls remove_stale_segments() to unlink what crashed sessions left
/// in /dev/shm (ARCHITECTURE.md §4); a session that stops cleanly unlinks its own.
///
///     auto name = segment_name(session);                 // "/actors-3f9c0d2e-4711-0"
///     auto a = arena::open({.capacity = n, .shm_name = *name});
///     remove_stale_segments({});                         // at node start: every session's leftovers
///
/// A process counts as gone when kill(pid, 0) fails with ESRCH, or when it is a zombie (it has
/// exited and unmapped everything; only its parent has not reaped it yet). Pids are not unique
/// across pid namespaces: processes that share one /dev/shm must share one pid namespace, or
/// a segment whose owner lives in another namespace may be taken for a stale one.
///
/// Thread-safe: these are free functions with no state of their own.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actors::object_store {

/// The parts of a segment name.
struct segment_name_parts {
  std::string session;
  pid_t pid = 0;
  std::uint32_t serial = 0;
};

/// "/actors-<session>-<pid>-<serial>" for the calling process. Errors: invalid_argument (a
/// session that is empty, longer than 64 characters, or has a character outside [A-Za-z0-9_]).
expected<std::string, errc> segment_name(std::string_view session, std::uint32_t serial = 0);

/// The parts of a name made by segment_name(), with or without its leading '/'; nullopt for any
/// other name (which remove_stale_segments() then leaves alone).
std::optional<segment_name_parts> parse_segment_name(std::string_view name);

/// Whether the process `pid` has exited (see above for what counts as gone).
bool process_gone(pid_t pid);

struct stale_segment_options {
  std::string session;                  // only this session's segments; "" = every session's
  std::string directory = "/dev/shm";   // where the C library keeps POSIX shared memory
};

/// Unlinks the segments in `directory` named by segment_name() whose owner is gone, and returns
/// their names ("/actors-..."). Others' segments, live ones and names of any other form are left
/// alone; a segment that another cleaner unlinked first is not reported. Processes that still
/// map an unlinked segment keep their mapping. Errors: io_error (the directory cannot be read).
expected<std::vector<std::string>, errc> remove_stale_segments(const stale_segment_options& options);

}  // namespace actors::object_store
