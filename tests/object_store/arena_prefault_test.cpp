// The background thread that faults pages in ahead of the allocations.
#include <actors/object_store/arena.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace actors::object_store;
using object_store_test::eventually;
using object_store_test::resident_pages;

namespace {
constexpr std::uint64_t mib = 1 << 20;
const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
std::uint64_t pages_in(std::uint64_t bytes) { return (bytes + page - 1) / page; }
}

TEST_SUITE("arena") {
  TEST_CASE("open touches no page: faulting waits for the first allocation") {
    auto a = *arena::open({.capacity = 64 * mib, .prefault_ahead = 16 * mib});
    CHECK(a->prefaulted() == 0);
    CHECK(resident_pages(a->base(), a->capacity()) == 0);
  }

  TEST_CASE("the first allocation starts faulting up to the high-water mark plus prefault_ahead" *
            doctest::timeout(120)) {
    auto a = *arena::open({.capacity = 64 * mib, .prefault_ahead = 16 * mib});
    auto block = a->allocate(4096);
    REQUIRE(block);
    const auto target = pages_in(16 * mib + 4096) * page;
    REQUIRE(eventually([&] { return a->prefaulted() >= target; }));
    CHECK(resident_pages(a->base(), target) == pages_in(target));
    CHECK(a->prefaulted() < a->capacity());  // and no further than asked

    SUBCASE("the target moves up with the high-water mark") {
      auto more = a->allocate(20 * mib);
      REQUIRE(more);
      REQUIRE(eventually([&] { return a->prefaulted() >= more->offset + more->size + 16 * mib; }));
    }
    SUBCASE("the target stops at the capacity") {
      auto rest = a->allocate(a->capacity() - block->size);
      REQUIRE(rest);
      REQUIRE(eventually([&] { return a->prefaulted() == a->capacity(); }));
    }
    SUBCASE("freed pages stay faulted for the next object") {
      a->deallocate(*block);
      CHECK(resident_pages(a->base(), target) == pages_in(target));
    }
  }

  TEST_CASE("prefault_ahead 0 turns background faulting off") {
    auto a = *arena::open({.capacity = 16 * mib, .prefault_ahead = 0});
    auto block = a->allocate(mib);
    REQUIRE(block);
    CHECK(a->prefaulted() == 0);
    CHECK(resident_pages(a->base(), a->capacity()) == 0);
  }

  TEST_CASE("destroying an arena stops its prefault thread in the middle of its work" * doctest::timeout(60)) {
    // 1 GiB to fault, stopped at once: the destructor waits for one chunk, not for the gigabyte
    // (the timeout is only a backstop; this is not a measurement).
    for (int round = 0; round < 3; ++round) {
      auto a = *arena::open({.capacity = 1024 * mib, .prefault_ahead = 1024 * mib});
      REQUIRE(a->allocate(64));
      a.reset();
    }
  }

  TEST_CASE("allocations proceed while the prefault thread works" * doctest::timeout(120)) {
    auto a = *arena::open({.capacity = 256 * mib, .prefault_ahead = 128 * mib});
    for (int i = 0; i < 64; ++i) {
      auto block = a->allocate(mib);
      REQUIRE(block);
      std::memset(block->data, i, block->size);  // writes race with faulting in the same pages
      CHECK(static_cast<int>(block->data[block->size - 1]) == i);
    }
    CHECK(a->used() == 64 * mib);
  }
}
