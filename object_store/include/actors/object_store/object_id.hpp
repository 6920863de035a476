#pragma once
/// object_id: names one object in every store of a cluster. 128 bits: the creating process's
/// session in `hi`, a counter in `lo`. Printed as 32 lowercase hex digits. A value type.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace actors::object_store {

struct object_id {
  std::uint64_t hi = 0, lo = 0;
  friend auto operator<=>(const object_id&, const object_id&) = default;
  bool nil() const noexcept { return hi == 0 && lo == 0; }
};

std::string to_string(const object_id& id);
inline std::ostream& operator<<(std::ostream& os, const object_id& id) { return os << to_string(id); }

}  // namespace actors::object_store

template <>
struct std::hash<actors::object_store::object_id> {
  std::size_t operator()(const actors::object_store::object_id& id) const noexcept {
    // splitmix64's finaliser over both words: ids differ mostly in their low bits.
    std::uint64_t x = id.hi ^ (id.lo + 0x9e3779b97f4a7c15ull + (id.hi << 6) + (id.hi >> 2));
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return static_cast<std::size_t>(x ^ (x >> 31));
  }
};
