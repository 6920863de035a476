#pragma once
// Reserving and returning the arena's memory: anonymous private memory, a POSIX shared-memory
// object, or a file on disk, the last two mapped by other processes by name.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace actors::object_store::detail {

/// Whether `name` is a portable POSIX shared-memory name: "/" and 1 to NAME_MAX - 1 further
/// characters, none of them a slash.
bool valid_shm_name(const std::string& name);

/// What holds a region's pages: anonymous memory, a POSIX shared-memory object ("/name"), or a
/// regular file (an absolute path), whose pages the kernel writes to disk and reads back.
enum class backing { memory, shm, file };

/// Maps `length` bytes (a multiple of the page size) without faulting any page in. For shm and
/// file it creates the named object (a file sparse) first and fails with already_exists if the
/// name is taken. `fd`, when given, receives an open descriptor of it (-1 for memory): the
/// caller closes it.
expected<std::byte*, errc> map_region(std::uint64_t length, backing kind, const std::string& name, int* fd = nullptr);

/// A mapping of a segment that exists already: the whole of it, shared, faulting nothing in.
struct existing_region {
  std::byte* base = nullptr;
  std::uint64_t length = 0;
};
expected<existing_region, errc> map_existing_region(backing kind, const std::string& name, bool writable);

/// Unmaps, and unlinks the named object.
void unmap_region(std::byte* base, std::uint64_t length, backing kind, const std::string& name) noexcept;

}  // namespace actors::object_store::detail
