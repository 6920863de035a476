// The store: the create/seal/get/release/remove life of an object, pins, and eviction.
#include <actors/object_store/store.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <unordered_set>

using namespace actors::object_store;

namespace {
store make_store(std::uint64_t capacity) {
  auto a = arena::open({.capacity = capacity, .prefault_ahead = 0});
  REQUIRE(a.has_value());
  return store(*a);
}
void put(store& s, object_id id, std::uint64_t size, char fill) {
  auto data = s.create(id, size);
  REQUIRE(data.has_value());
  std::memset(*data, fill, size);
  REQUIRE(s.seal(id) == errc::ok);
}
}  // namespace

TEST_SUITE("store") {
  TEST_CASE("an object is readable after seal, not before") {
    auto s = make_store(1 << 20);
    object_id id{1, 1};
    auto data = s.create(id, 10);
    REQUIRE(data.has_value());
    CHECK(s.get(id).error() == errc::not_sealed);
    std::memcpy(*data, "0123456789", 10);
    CHECK(s.seal(id) == errc::ok);
    CHECK(s.seal(id) == errc::already_sealed);
    auto bytes = s.get(id);
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == 10);
    CHECK(std::memcmp(bytes->data(), "0123456789", 10) == 0);
    s.release(id);
  }

  TEST_CASE("errors: duplicate id, unknown id, no room") {
    auto s = make_store(64 * 1024);
    put(s, {1, 1}, 100, 'a');
    CHECK(s.create({1, 1}, 100).error() == errc::already_exists);
    CHECK(s.get({9, 9}).error() == errc::not_found);
    CHECK(s.seal({9, 9}) == errc::not_found);
    CHECK(s.remove({9, 9}) == errc::not_found);
    CHECK(s.create({2, 2}, 1 << 20).error() == errc::out_of_memory);
  }

  TEST_CASE("a pinned object survives remove until its last release") {
    auto s = make_store(1 << 20);
    object_id id{3, 3};
    put(s, id, 1000, 'x');
    REQUIRE(s.get(id).has_value());
    REQUIRE(s.get(id).has_value());
    CHECK(s.remove(id) == errc::ok);
    CHECK_FALSE(s.contains(id));
    CHECK(s.statistics().objects == 1);
    s.release(id);
    CHECK(s.statistics().objects == 1);
    s.release(id);
    CHECK(s.statistics().objects == 0);
    CHECK(s.statistics().bytes_used == 0);
  }

  TEST_CASE("creating without room evicts unpinned evictable copies, least recently used first") {
    auto s = make_store(4 * 1024);
    put(s, {1, 0}, 1024, 'a');
    put(s, {2, 0}, 1024, 'b');
    put(s, {3, 0}, 1024, 'c');
    put(s, {4, 0}, 1024, 'd');
    s.set_evictable({1, 0}, true);
    s.set_evictable({2, 0}, true);
    s.set_evictable({3, 0}, true);
    // Touch 1 so that 2 is now the least recently used; pin 3 so that it cannot go.
    REQUIRE(s.get({1, 0}).has_value());
    s.release({1, 0});
    REQUIRE(s.get({3, 0}).has_value());
    put(s, {5, 0}, 1024, 'e');
    CHECK_FALSE(s.contains({2, 0}));
    CHECK(s.contains({1, 0}));
    CHECK(s.contains({3, 0}));
    CHECK(s.contains({4, 0}));  // not evictable: a primary copy
    CHECK(s.statistics().evictions == 1);
    // Nothing else may go: 3 is pinned, 4 and 5 are primary copies; 1 goes, then no room.
    put(s, {6, 0}, 1024, 'f');
    CHECK_FALSE(s.contains({1, 0}));
    CHECK(s.create({7, 0}, 1024).error() == errc::out_of_memory);
    s.release({3, 0});
  }

  TEST_CASE("object ids print as 32 hex digits and hash apart") {
    CHECK(to_string(object_id{0x1, 0xabc}) == "0000000000000001" "0000000000000abc");
    std::unordered_set<std::size_t> hashes;
    for (std::uint64_t i = 0; i < 1000; ++i) hashes.insert(std::hash<object_id>{}(object_id{42, i}));
    CHECK(hashes.size() == 1000);
    CHECK(object_id{} .nil());
    CHECK(object_id{1, 2} < object_id{1, 3});
  }
}
