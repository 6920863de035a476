// The store: the create / seal / get / release / remove life of an object, and its errors.
#include <actors/object_store/store.hpp>

#include "store_fixture.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstring>

using namespace actors::object_store;
using object_store_test::put;
using object_store_test::small_arena;

TEST_SUITE("store") {
  TEST_CASE("an object can be read once sealed and not before") {
    store s(small_arena(1 << 20));
    const object_id id{1, 1};
    auto data = s.create(id, 10);
    REQUIRE(data.has_value());
    CHECK(s.contains(id));
    CHECK(s.get(id).error() == errc::not_sealed);
    std::memcpy(*data, "0123456789", 10);
    CHECK(s.seal(id) == errc::ok);
    auto bytes = s.get(id);
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == 10);  // the size asked for, not the block's
    CHECK(std::memcmp(bytes->data(), "0123456789", 10) == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(bytes->data()) % arena::alignment == 0);
    s.release(id);
  }

  TEST_CASE("create and seal and get and remove report their errors") {
    store s(small_arena(64 * 1024));
    put(s, {1, 1}, 100, 'a');
    CHECK(s.create({}, 100).error() == errc::invalid_argument);
    CHECK(s.create({1, 1}, 100).error() == errc::already_exists);
    CHECK(s.seal({1, 1}) == errc::already_sealed);
    CHECK(s.get({9, 9}).error() == errc::not_found);
    CHECK(s.seal({9, 9}) == errc::not_found);
    CHECK(s.remove({9, 9}) == errc::not_found);
    CHECK_FALSE(s.contains({9, 9}));
    CHECK(s.create({2, 2}, 64 * 1024 - 64).error() == errc::out_of_memory);  // fits the arena, not beside {1, 1}
    CHECK(s.create({2, 2}, 1 << 20).error() == errc::too_large);
    CHECK_FALSE(s.contains({2, 2}));  // a failed create leaves nothing behind
    CHECK(s.statistics().objects == 1);
  }

  TEST_CASE("an empty object is an object") {
    store s(small_arena(64 * 1024));
    put(s, {1, 0}, 0, 'x');
    auto bytes = s.get({1, 0});
    REQUIRE(bytes.has_value());
    CHECK(bytes->empty());
    s.release({1, 0});
  }

  TEST_CASE("remove of an unpinned object frees it at once") {
    store s(small_arena(64 * 1024));
    put(s, {1, 0}, 1000, 'x');
    CHECK(s.statistics().bytes_used >= 1000);
    CHECK(s.remove({1, 0}) == errc::ok);
    CHECK_FALSE(s.contains({1, 0}));
    CHECK(s.get({1, 0}).error() == errc::not_found);
    CHECK(s.remove({1, 0}) == errc::not_found);
    CHECK(s.statistics().objects == 0);
    CHECK(s.statistics().bytes_used == 0);
    put(s, {1, 0}, 10, 'y');  // the id may be used again
  }

  TEST_CASE("remove of an unsealed object abandons its creation") {
    store s(small_arena(64 * 1024));
    REQUIRE(s.create({1, 0}, 1000).has_value());
    CHECK(s.remove({1, 0}) == errc::ok);
    CHECK(s.seal({1, 0}) == errc::not_found);
    CHECK(s.statistics().bytes_used == 0);
  }

  TEST_CASE("a pinned object outlives remove until its last release but is gone for readers") {
    store s(small_arena(1 << 20));
    const object_id id{3, 3};
    put(s, id, 1000, 'x');
    auto first = s.get(id);
    auto second = s.get(id);
    REQUIRE((first && second));
    CHECK(s.remove(id) == errc::ok);
    CHECK_FALSE(s.contains(id));
    CHECK(s.get(id).error() == errc::not_found);
    CHECK(s.remove(id) == errc::not_found);
    CHECK(s.create(id, 10).error() == errc::already_exists);  // its memory is still in use
    CHECK((*first)[999] == std::byte{'x'});                   // still readable by pin holders
    s.release(id);
    CHECK(s.statistics().objects == 1);
    s.release(id);
    CHECK(s.statistics().objects == 0);
    CHECK(s.statistics().bytes_used == 0);
  }

  TEST_CASE("statistics count objects and bytes and capacity") {
    auto memory = small_arena(1 << 20);
    store s(memory);
    put(s, {1, 0}, 100, 'a');
    put(s, {2, 0}, 1000, 'b');
    const auto st = s.statistics();
    CHECK(st.objects == 2);
    CHECK(st.bytes_used == memory->used());
    CHECK(st.bytes_used >= 1100);
    CHECK(st.capacity == memory->capacity());
    CHECK(st.evictions == 0);
  }

  TEST_CASE("a store gives all its memory back to the arena when it goes") {
    auto memory = small_arena(1 << 20);
    {
      store s(memory);
      put(s, {1, 0}, 5000, 'a');
      REQUIRE(s.create({2, 0}, 5000).has_value());
      REQUIRE(s.get({1, 0}).has_value());
    }
    CHECK(memory->used() == 0);
  }

  TEST_CASE("releasing an object nobody pinned is a bug that aborts" * doctest::timeout(30)) {
    auto out = object_store_test::run_in_child([] {
      store s(small_arena(1 << 16));
      put(s, {1, 0}, 10, 'a');
      s.release({1, 0});
    });
    CHECK(out.signal == SIGABRT);
    CHECK(out.stderr_text.find("did not pin") != std::string::npos);
  }
}
