#pragma once
// The session folder: where a node keeps its logs, the cluster token, its socket and the record
// that `actors stop` and `actors status` find it by (docs/cluster.md, "Session folder").
//
//   <temp-dir>/session_latest -> session_<date>_<time>_<pid>
//   <temp-dir>/session_<...>/token              the cluster token, 0600 (the head writes it)
//   <temp-dir>/session_<...>/logs/<role>_<id>.log
//   <temp-dir>/session_<...>/sockets/head.sock  the head's Unix socket
//   <temp-dir>/session_<...>/nodes/<id>.json    one record per running daemon

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace actors::cli {

namespace fs = std::filesystem;

inline const char* const default_temp_dir = "/tmp/actors";

struct session {
  fs::path dir;
  fs::path token_file() const { return dir / "token"; }
  fs::path logs() const { return dir / "logs"; }
  fs::path sockets() const { return dir / "sockets"; }
  fs::path nodes() const { return dir / "nodes"; }
};

/// Creates a new session folder under `temp_dir` (0700, with logs/, sockets/ and nodes/) and
/// points `session_latest` at it. Throws std::runtime_error with the path on failure.
session create_session(const fs::path& temp_dir);

/// What a running daemon writes about itself once it is ready.
struct node_record {
  std::string node_id;
  std::string role;  // "head" or "node"
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;  // the process's start time, so a reused pid is not taken for it
  std::string address;       // head: its tcp address; node: its IP
  std::string head_address;  // the head it belongs to (a head: itself)
  std::string unix_socket;   // head: the path of its Unix socket
  std::string log_file;
  fs::path file;             // where this record was read from (not stored)
};

/// Writes `<session>/nodes/<id>.json` atomically (a reader never sees half a record).
void write_node_record(const session& s, const node_record& r);
/// Every readable record under `temp_dir`'s sessions; unreadable ones are skipped.
std::vector<node_record> find_node_records(const fs::path& temp_dir);

/// The start time of `pid` in clock ticks since boot (/proc/<pid>/stat); nullopt if there is no
/// such process or it has already exited (a zombie waiting for its parent).
std::optional<std::uint64_t> process_start_ticks(pid_t pid);
/// True while the process the record describes is still running.
bool is_running(const node_record& r);

/// 32 random hex digits.
std::string new_node_id();

}  // namespace actors::cli
