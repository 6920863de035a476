#pragma once
// A store over a small private arena, and a one-call put, for the store's tests.

#include <actors/object_store/store.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <memory>

namespace object_store_test {

inline std::shared_ptr<actors::object_store::arena> small_arena(std::uint64_t capacity) {
  auto a = actors::object_store::arena::open({.capacity = capacity, .prefault_ahead = 0});
  REQUIRE(a.has_value());
  return *a;
}

/// Creates, fills with `fill` and seals.
inline void put(actors::object_store::store& s, actors::object_store::object_id id, std::uint64_t size,
                char fill) {
  auto data = s.create(id, size);
  REQUIRE(data.has_value());
  std::memset(*data, fill, size);
  REQUIRE(s.seal(id) == actors::object_store::errc::ok);
}

}  // namespace object_store_test
