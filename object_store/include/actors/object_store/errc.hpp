#pragma once
/// errc: why an object-store operation failed. The numbers are pinned because the codes travel
/// between processes; add new codes at the end, never renumber.

#include <cstdint>
#include <string_view>

namespace actors::object_store {

enum class errc : std::uint8_t {
  ok = 0,
  out_of_memory = 1,     // no free block fits, even after evicting what may be evicted
  already_exists = 2,    // the object id, or the shared-memory name, is taken
  not_found = 3,         // no such object (never created, removed, or evicted), or no such shm segment
  not_sealed = 4,        // the object exists but its writer has not sealed it yet
  already_sealed = 5,    // seal() called twice
  map_failed = 6,        // the operating system refused to create or map the memory
  invalid_argument = 7,  // a zero capacity, a nil id, a malformed shared-memory name
  pinned = 8,            // the object is in use by a reader
  too_large = 9,             // larger than the arena: it could never be held in memory, disk or not
  disk_full = 10,            // the spill folder (its quota, or its disk) has no room for what must go
  io_error = 11,             // reading or writing a spill file, or listing a folder, failed
  read_only = 12,            // a write through a mapping that was attached read-only
  permission_denied = 13,    // the shared-memory segment belongs to someone else
  chunk_out_of_range = 14,   // a chunk index at or past the plan's chunk count
  chunk_duplicate = 15,      // a chunk that has already arrived, or is arriving
  chunk_size_mismatch = 16,  // a chunk whose length is not the one the plan gives it
  cancelled = 17,            // the transfer was cancelled and its unfinished object removed
};

/// The enumerator's name ("out_of_memory"); "unknown" for a number no enumerator has.
std::string_view to_string(errc e) noexcept;

}  // namespace actors::object_store
