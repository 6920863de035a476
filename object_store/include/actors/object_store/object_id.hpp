#pragma once
/// object_id: the name of one object, the same in every store of a cluster. 128 bits, chosen by
/// the object's owner (ARCHITECTURE.md §4); the store only compares, hashes and prints them.
/// The all-zero id is nil and names no object.
///
///     object_id id{.hi = session, .lo = counter++};
///     std::cout << id;   // 32 lowercase hex digits, hi then lo
///
/// A plain value type.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace actors::object_store {

struct object_id {
  std::uint64_t hi = 0, lo = 0;

  constexpr bool nil() const noexcept { return hi == 0 && lo == 0; }
  friend constexpr auto operator<=>(const object_id&, const object_id&) = default;
  friend constexpr bool operator==(const object_id&, const object_id&) = default;
};

/// 32 lowercase hex digits: hi, then lo, each zero-padded to 16.
std::string to_string(const object_id& id);
std::ostream& operator<<(std::ostream& os, const object_id& id);

namespace detail {
/// splitmix64's finaliser: every input bit flips about half of the output bits.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace detail

}  // namespace actors::object_store

/// Ids often differ only in a counter's low bits, and hash tables index by the low bits of the
/// hash, so both words are mixed rather than xor-ed. For a fixed `hi` the map from `lo` is a
/// bijection: ids of one owner never collide.
template <>
struct std::hash<actors::object_store::object_id> {
  std::size_t operator()(const actors::object_store::object_id& id) const noexcept {
    using actors::object_store::detail::mix64;
    return static_cast<std::size_t>(mix64(mix64(id.hi + 0x9e3779b97f4a7c15ull) ^ id.lo));
  }
};
