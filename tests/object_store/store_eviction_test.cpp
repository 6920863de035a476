// The store makes room for new objects by evicting secondary copies, least recently used first.
#include <actors/object_store/store.hpp>

#include "store_fixture.hpp"

#include <doctest/doctest.h>

using namespace actors::object_store;
using object_store_test::put;
using object_store_test::small_arena;

namespace {
// Arenas are whole pages, so the tests size theirs in multiples of 4 KiB.
constexpr std::uint64_t kib = 1024;
}

TEST_SUITE("store") {
  TEST_CASE("without room create evicts the least recently used evictable copy") {
    store s(small_arena(4 * kib));
    for (std::uint64_t i = 1; i <= 4; ++i) {
      put(s, {i, 0}, kib, 'a');
      s.set_evictable({i, 0}, true);
    }
    // Reading 1 makes 2 the least recently used.
    REQUIRE(s.get({1, 0}).has_value());
    s.release({1, 0});

    put(s, {5, 0}, kib, 'e');
    CHECK_FALSE(s.contains({2, 0}));
    CHECK(s.contains({1, 0}));
    CHECK(s.statistics().evictions == 1);
    put(s, {6, 0}, kib, 'f');
    CHECK_FALSE(s.contains({3, 0}));
    put(s, {7, 0}, kib, 'g');
    CHECK_FALSE(s.contains({4, 0}));
    put(s, {8, 0}, kib, 'h');
    CHECK_FALSE(s.contains({1, 0}));
    CHECK(s.statistics().evictions == 4);
  }

  TEST_CASE("an object that is pinned or unsealed or primary is never evicted") {
    store s(small_arena(4 * kib));
    put(s, {1, 0}, kib, 'a');  // evictable but pinned
    s.set_evictable({1, 0}, true);
    REQUIRE(s.get({1, 0}).has_value());
    REQUIRE(s.create({2, 0}, kib).has_value());  // evictable but unsealed
    s.set_evictable({2, 0}, true);
    put(s, {3, 0}, kib, 'c');  // a primary copy
    put(s, {4, 0}, kib, 'd');  // was evictable, then not again
    s.set_evictable({4, 0}, true);
    s.set_evictable({4, 0}, false);

    CHECK(s.create({5, 0}, kib).error() == errc::out_of_memory);
    for (std::uint64_t i = 1; i <= 4; ++i) CHECK(s.contains({i, 0}));
    CHECK(s.statistics().evictions == 0);

    s.release({1, 0});  // unpinned now, so it may go
    put(s, {5, 0}, kib, 'e');
    CHECK_FALSE(s.contains({1, 0}));
    CHECK(s.statistics().evictions == 1);
  }

  TEST_CASE("several copies are evicted to make one large block") {
    store s(small_arena(8 * kib));
    for (std::uint64_t i = 1; i <= 8; ++i) {
      put(s, {i, 0}, kib, 'a');
      s.set_evictable({i, 0}, true);
    }
    put(s, {9, 0}, 3 * kib, 'b');
    CHECK(s.statistics().evictions >= 3);
    CHECK(s.statistics().objects == 9 - s.statistics().evictions);
    auto big = s.get({9, 0});
    REQUIRE(big.has_value());
    CHECK(big->size() == 3 * kib);
    s.release({9, 0});
  }

  TEST_CASE("nothing is evicted when eviction could not make enough room") {
    store s(small_arena(4 * kib));
    put(s, {1, 0}, kib, 'a');
    s.set_evictable({1, 0}, true);
    put(s, {2, 0}, 3 * kib, 'b');  // primary
    CHECK(s.create({3, 0}, 2 * kib).error() == errc::out_of_memory);
    CHECK(s.contains({1, 0}));
    CHECK(s.statistics().evictions == 0);
    CHECK(s.create({4, 0}, 64 * kib).error() == errc::too_large);  // larger than the arena: never
    CHECK(s.contains({1, 0}));
  }

  TEST_CASE("an evicted object is simply not found and its id may be created again") {
    store s(small_arena(4 * kib));
    put(s, {1, 0}, 4 * kib, 'a');
    s.set_evictable({1, 0}, true);
    put(s, {2, 0}, kib, 'b');
    CHECK(s.get({1, 0}).error() == errc::not_found);
    CHECK(s.remove({1, 0}) == errc::not_found);
    s.set_evictable({1, 0}, false);  // ignored: it is gone
    CHECK(s.remove({2, 0}) == errc::ok);
    put(s, {1, 0}, kib, 'c');
    CHECK(s.contains({1, 0}));
  }

  TEST_CASE("a removed object's pins keep it from eviction until the last release") {
    store s(small_arena(4 * kib));
    put(s, {1, 0}, 4 * kib, 'a');
    s.set_evictable({1, 0}, true);
    auto pinned = s.get({1, 0});
    REQUIRE(pinned.has_value());
    CHECK(s.remove({1, 0}) == errc::ok);
    CHECK(s.create({2, 0}, kib).error() == errc::out_of_memory);
    CHECK((*pinned)[0] == std::byte{'a'});
    s.release({1, 0});
    put(s, {2, 0}, kib, 'b');
    CHECK(s.statistics().evictions == 0);  // it was freed by remove, not evicted
  }
}
