#pragma once
// Reserving and returning the arena's memory: anonymous private memory, or a POSIX
// shared-memory object that other processes can map by name.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace actors::object_store::detail {

/// Whether `name` is a portable POSIX shared-memory name: "/" and 1 to NAME_MAX - 1 further
/// characters, none of them a slash.
bool valid_shm_name(const std::string& name);

/// Maps `length` bytes (a multiple of the page size) without faulting any page in. With a
/// non-empty `shm_name` it creates that shared-memory object first and fails with
/// already_exists if the name is taken.
expected<std::byte*, errc> map_region(std::uint64_t length, const std::string& shm_name);

/// A mapping of a segment that exists already: the whole of it, shared, faulting nothing in.
struct existing_region {
  std::byte* base = nullptr;
  std::uint64_t length = 0;
};
expected<existing_region, errc> map_existing_region(const std::string& shm_name, bool writable);

/// Unmaps, and unlinks `shm_name` when it is not empty.
void unmap_region(std::byte* base, std::uint64_t length, const std::string& shm_name) noexcept;

}  // namespace actors::object_store::detail
