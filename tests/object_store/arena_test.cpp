// The arena's allocator: alignment, reuse of freed space, coalescing, full arenas, misuse.
#include <actors/object_store/arena.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <random>
#include <vector>

using namespace actors::object_store;

namespace {

std::shared_ptr<arena> open_arena(std::uint64_t capacity) {
  // No prefaulting: these tests are about the allocator.
  auto a = arena::open({.capacity = capacity, .prefault_ahead = 0});
  REQUIRE(a.has_value());
  return *a;
}

bool overlaps(const allocation& x, const allocation& y) {
  return x.offset < y.offset + y.size && y.offset < x.offset + x.size;
}

}  // namespace

TEST_SUITE("arena") {
  TEST_CASE("open reserves the capacity rounded up to whole pages") {
    auto a = open_arena(10000);
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    CHECK(a->capacity() == (10000 + page - 1) / page * page);
    CHECK(a->base() != nullptr);
    CHECK(a->used() == 0);
    CHECK(a->shm_name().empty());
  }

  TEST_CASE("open rejects a zero or absurd capacity") {
    CHECK(arena::open({.capacity = 0}).error() == errc::invalid_argument);
    CHECK(arena::open({.capacity = ~0ull}).error() == errc::invalid_argument);
  }

  TEST_CASE("blocks are 64-byte aligned and disjoint and at least as large as asked") {
    auto a = open_arena(1 << 20);
    std::vector<allocation> blocks;
    for (std::uint64_t size : {1, 63, 64, 65, 1000, 4096, 7, 0}) {
      auto b = a->allocate(size);
      REQUIRE(b);
      CHECK(reinterpret_cast<std::uintptr_t>(b->data) % arena::alignment == 0);
      CHECK(b->data == a->base() + b->offset);
      CHECK(b->size >= std::max<std::uint64_t>(size, 1));
      CHECK(b->size % arena::alignment == 0);
      std::memset(b->data, 0xab, b->size);  // the whole block is writable
      for (const auto& other : blocks) CHECK_FALSE(overlaps(*b, other));
      blocks.push_back(*b);
    }
    std::uint64_t total = 0;
    for (const auto& b : blocks) total += b.size;
    CHECK(a->used() == total);
    for (const auto& b : blocks) a->deallocate(b);
    CHECK(a->used() == 0);
  }

  TEST_CASE("a full arena returns nullopt and a request larger than the arena never fits") {
    auto a = open_arena(1 << 20);
    CHECK_FALSE(a->allocate(a->capacity() + 1));
    CHECK_FALSE(a->allocate(~0ull));
    auto whole = a->allocate(a->capacity());
    REQUIRE(whole);
    CHECK(a->used() == a->capacity());
    CHECK_FALSE(a->allocate(1));
    a->deallocate(*whole);
    CHECK(a->allocate(1));
  }

  TEST_CASE("freed space is reused before untouched space") {
    auto a = open_arena(1 << 20);
    auto first = a->allocate(4096);
    auto second = a->allocate(4096);
    REQUIRE(first);
    REQUIRE(second);
    a->deallocate(*first);
    auto again = a->allocate(4000);
    REQUIRE(again);
    CHECK(again->offset == first->offset);  // the hole, not the tail beyond `second`
  }

  TEST_CASE("the smallest hole that fits is chosen so that large holes stay for large objects") {
    auto a = open_arena(1 << 20);
    auto big = a->allocate(8192);
    auto fence1 = a->allocate(64);
    auto small = a->allocate(1024);
    auto fence2 = a->allocate(64);
    REQUIRE((big && fence1 && small && fence2));
    a->deallocate(*big);
    a->deallocate(*small);
    auto b = a->allocate(1000);
    REQUIRE(b);
    CHECK(b->offset == small->offset);
    auto c = a->allocate(8192);
    REQUIRE(c);
    CHECK(c->offset == big->offset);
  }

  TEST_CASE("freed neighbours coalesce so that the whole capacity can be allocated again") {
    auto a = open_arena(256 * 1024);
    std::vector<allocation> blocks;
    std::mt19937 rng(7);
    while (auto b = a->allocate(64 + rng() % 2048)) blocks.push_back(*b);
    CHECK(blocks.size() > 100);
    CHECK_FALSE(a->allocate(a->capacity()));

    SUBCASE("freed in random order") { std::shuffle(blocks.begin(), blocks.end(), rng); }
    SUBCASE("freed from the end") { std::reverse(blocks.begin(), blocks.end()); }
    SUBCASE("freed from the start") {}

    for (const auto& b : blocks) a->deallocate(b);
    CHECK(a->used() == 0);
    auto whole = a->allocate(a->capacity());
    REQUIRE(whole);
    CHECK(whole->offset == 0);
  }

  TEST_CASE("two freed neighbours in the middle merge into one block") {
    auto a = open_arena(64 * 1024);
    std::vector<allocation> blocks;
    for (int i = 0; i < 16; ++i) blocks.push_back(*a->allocate(4096));
    CHECK_FALSE(a->allocate(64));
    a->deallocate(blocks[5]);
    a->deallocate(blocks[6]);
    auto merged = a->allocate(8192);
    REQUIRE(merged);
    CHECK(merged->offset == blocks[5].offset);
  }

  TEST_CASE("freeing a block twice is a bug that aborts" * doctest::timeout(30)) {
    auto out = object_store_test::run_in_child([] {
      auto a = *arena::open({.capacity = 1 << 16, .prefault_ahead = 0});
      auto b = *a->allocate(100);
      a->deallocate(b);
      a->deallocate(b);
    });
    CHECK(out.signal == SIGABRT);
    CHECK(out.stderr_text.find("double free") != std::string::npos);
  }

  TEST_CASE("freeing a block the arena never gave out is a bug that aborts" * doctest::timeout(30)) {
    auto out = object_store_test::run_in_child([] {
      auto a = *arena::open({.capacity = 1 << 16, .prefault_ahead = 0});
      a->deallocate(allocation{a->base() + 100, 100, 64});
    });
    CHECK(out.signal == SIGABRT);
    CHECK(out.stderr_text.find("did not return") != std::string::npos);
  }
}
