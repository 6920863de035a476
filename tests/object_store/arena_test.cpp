// The arena: aligned blocks, reuse and coalescing of freed space, concurrent use, background
// prefaulting, and shared memory that another mapping sees.
#include <actors/object_store/arena.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

using namespace actors::object_store;

namespace {
std::shared_ptr<arena> open_arena(std::uint64_t capacity, std::uint64_t ahead = 0, std::string shm = "") {
  auto a = arena::open({.capacity = capacity, .prefault_ahead = ahead, .shm_name = std::move(shm)});
  REQUIRE(a.has_value());
  return *a;
}
}  // namespace

TEST_SUITE("arena") {
  TEST_CASE("blocks are 64-byte aligned and do not overlap") {
    auto a = open_arena(1 << 20);
    std::vector<allocation> blocks;
    for (std::uint64_t size : {1, 63, 64, 65, 1000, 4096, 7}) {
      auto b = a->allocate(size);
      REQUIRE(b);
      CHECK(reinterpret_cast<std::uintptr_t>(b->data) % 64 == 0);
      CHECK(b->size >= size);
      std::memset(b->data, 0xab, size);
      blocks.push_back(*b);
    }
    std::sort(blocks.begin(), blocks.end(), [](auto& x, auto& y) { return x.offset < y.offset; });
    for (std::size_t i = 1; i < blocks.size(); ++i) CHECK(blocks[i - 1].offset + blocks[i - 1].size <= blocks[i].offset);
  }

  TEST_CASE("a full arena says so, and freed space is reused") {
    auto a = open_arena(1 << 20);
    auto whole = a->allocate(1 << 20);
    REQUIRE(whole);
    CHECK_FALSE(a->allocate(64));
    a->deallocate(*whole);
    CHECK(a->used() == 0);
    auto again = a->allocate(1 << 20);
    REQUIRE(again);
    CHECK(again->offset == whole->offset);
  }

  TEST_CASE("freed neighbours coalesce so the whole capacity can be allocated again") {
    auto a = open_arena(64 * 1024);
    std::vector<allocation> blocks;
    while (auto b = a->allocate(1024)) blocks.push_back(*b);
    CHECK(blocks.size() == 64);
    std::shuffle(blocks.begin(), blocks.end(), std::mt19937(7));
    for (auto& b : blocks) a->deallocate(b);
    CHECK(a->allocate(64 * 1024));
  }

  TEST_CASE("threads allocating and freeing at once never get overlapping blocks" * doctest::timeout(60)) {
    auto a = open_arena(8 << 20);
    std::vector<std::thread> threads;
    std::atomic<int> overlaps{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        std::mt19937 rng(t);
        std::vector<allocation> mine;
        for (int i = 0; i < 2000; ++i) {
          if (mine.size() < 16 && (rng() % 3 != 0)) {
            if (auto b = a->allocate(64 + rng() % 4096)) {
              std::memset(b->data, t + 1, b->size);
              mine.push_back(*b);
            }
          } else if (!mine.empty()) {
            auto b = mine.back();
            mine.pop_back();
            for (std::uint64_t k = 0; k < b.size; ++k)
              if (b.data[k] != std::byte(t + 1)) ++overlaps;
            a->deallocate(b);
          }
        }
        for (auto& b : mine) a->deallocate(b);
      });
    for (auto& th : threads) th.join();
    CHECK(overlaps == 0);
    CHECK(a->used() == 0);
  }

  TEST_CASE("the prefaulter faults in ahead of the high-water mark and stops promptly" * doctest::timeout(60)) {
    auto a = open_arena(256 << 20, 32 << 20);
    CHECK(a->prefaulted() == 0);  // nothing is touched until the first allocation
    auto b = a->allocate(4096);
    REQUIRE(b);
    for (int i = 0; i < 6000 && a->prefaulted() < (32u << 20); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(a->prefaulted() >= (32u << 20));
    CHECK(a->prefaulted() <= a->capacity());
    a->deallocate(*b);
    a.reset();  // joins the prefaulter; the test's timeout bounds it
  }

  TEST_CASE("a shared-memory arena is visible through another mapping and unlinked at the end") {
    std::string name = "/actors-test-" + std::to_string(::getpid());
    {
      auto a = open_arena(1 << 20, 0, name);
      auto b = a->allocate(100);
      REQUIRE(b);
      std::memcpy(b->data, "hello from the arena", 21);
      int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
      REQUIRE(fd >= 0);
      void* view = ::mmap(nullptr, 1 << 20, PROT_READ, MAP_SHARED, fd, 0);
      ::close(fd);
      REQUIRE(view != MAP_FAILED);
      CHECK(std::strcmp(static_cast<const char*>(view) + b->offset, "hello from the arena") == 0);
      ::munmap(view, 1 << 20);
      // A second arena cannot take the same name while the first lives.
      auto clash = arena::open({.capacity = 4096, .shm_name = name});
      CHECK_FALSE(clash.has_value());
      CHECK(clash.error() == errc::already_exists);
    }
    CHECK(::shm_open(name.c_str(), O_RDONLY, 0) < 0);
  }

  TEST_CASE("a zero capacity is an invalid argument") {
    auto a = arena::open({.capacity = 0});
    REQUIRE_FALSE(a.has_value());
    CHECK(a.error() == errc::invalid_argument);
    CHECK(to_string(errc::out_of_memory) == "out of memory");
  }
}
