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
  not_found = 3,         // no such object (never created, removed, or evicted)
  not_sealed = 4,        // the object exists but its writer has not sealed it yet
  already_sealed = 5,    // seal() called twice
  map_failed = 6,        // the operating system refused to create or map the memory
  invalid_argument = 7,  // a zero capacity, a nil id, a malformed shared-memory name
  pinned = 8,            // the object is in use by a reader
};

/// The enumerator's name ("out_of_memory"); "unknown" for a number no enumerator has.
std::string_view to_string(errc e) noexcept;

}  // namespace actors::object_store
