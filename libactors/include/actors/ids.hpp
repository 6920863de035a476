#pragma once
/// Identifiers of objects and actors. Object ids belong to the object store layer; actor ids
/// share their shape (128 bits, printed as 32 hex digits) but are a distinct type.

#include <actors/object_store/object_id.hpp>

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace actors {

using object_id = object_store::object_id;

/// Names one actor for its whole life, across restarts.
struct actor_id {
  std::uint64_t hi = 0, lo = 0;
  friend auto operator<=>(const actor_id&, const actor_id&) = default;
  bool nil() const noexcept { return hi == 0 && lo == 0; }
};

std::string to_string(const actor_id& id);
inline std::ostream& operator<<(std::ostream& os, const actor_id& id) { return os << to_string(id); }

}  // namespace actors

template <>
struct std::hash<actors::actor_id> {
  std::size_t operator()(const actors::actor_id& id) const noexcept {
    return std::hash<actors::object_id>{}(actors::object_id{id.hi, id.lo});
  }
};
