#pragma once
/// executables: how a node gets the program a client's workers run, when the client's path
/// names nothing on this host, or another file (docs/cluster.md, "Executables by content"). The
/// client announces its program's path, size and modification time; a node that has exactly
/// that file runs it from there (one shared filesystem, the common case, costs nothing). Else
/// the node asks the client for the program's SHA-256, runs the copy cached under that hash if
/// it has one, and otherwise pulls the bytes once over the client's connection, checks them
/// against the hash and caches them:
///
///     node manager ──fetch_executable {with_bytes: false}──▶ client ──▶ {sha256}
///     node manager ──fetch_executable {with_bytes: true}───▶ client ──▶ {sha256} + the bytes
///
/// Plain functions; thread-safe.
#include "transport/connection.hpp"
#include "transport/frame.hpp"

#include <actors/serializable.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace actors::cluster {

struct executable_request {
  bool with_bytes = false;
};
ACTORS_SERIALIZABLE(executable_request, with_bytes)

struct executable_reply {
  std::string sha256;  // 64 hex digits; empty when the client cannot read its program
  std::string reason;  // why not
};
ACTORS_SERIALIZABLE(executable_reply, sha256, reason)

/// What a client says of its program: enough for a node to tell whether its file is the same.
struct executable_identity {
  std::string path;
  std::int64_t size = -1;
  std::int64_t mtime_ns = -1;
};

/// This process's program (/proc/self/exe), as it announces it.
executable_identity own_executable();

/// True when `id.path` is on this host with the announced size and modification time.
bool same_file_here(const executable_identity& id);

/// The SHA-256 of the file's bytes as 64 hex digits, or nullopt if it cannot be read.
std::optional<std::string> sha256_of_file(const std::filesystem::path& p);
std::string sha256_of(std::span<const std::byte> bytes);

/// `cache`/<sha256> if a copy is there, else nullopt.
std::optional<std::filesystem::path> cached_executable(const std::filesystem::path& cache, const std::string& sha256);

/// Checks `bytes` against `sha256`, then stores them as `cache`/<sha256> (mode 0700, written
/// to a temporary name and renamed, so a half-written copy is never run). Its path, or why not.
std::optional<std::filesystem::path> cache_executable(const std::filesystem::path& cache, const std::string& sha256,
                                                      std::span<const std::byte> bytes, std::string& why);

/// Answers a fetch_executable request on `c` with this process's program (clients do this on
/// their node manager connections). The hash is computed once per process.
void answer_executable_request(const net::connection_ptr& c, const net::frame& request);

}  // namespace actors::cluster
