#pragma once
// Page arithmetic shared by the arena's parts.

#include <unistd.h>

#include <cstdint>

namespace actors::object_store::detail {

inline std::uint64_t page_size() noexcept {
  static const auto size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// `to` is a power of two; callers make sure `n + to - 1` cannot overflow.
constexpr std::uint64_t round_up(std::uint64_t n, std::uint64_t to) noexcept { return (n + to - 1) & ~(to - 1); }

}  // namespace actors::object_store::detail
