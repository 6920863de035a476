// The arena used from several threads at once.
#include <actors/object_store/arena.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

using namespace actors::object_store;

TEST_SUITE("arena") {
  TEST_CASE("threads allocating and freeing at once never get overlapping blocks" * doctest::timeout(120)) {
    auto opened = arena::open({.capacity = 4 << 20, .prefault_ahead = 1 << 20});
    REQUIRE(opened);
    auto a = *opened;
    constexpr int thread_count = 4;
    std::atomic<int> corrupted{0};
    std::atomic<int> served{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(t);
        struct held {
          allocation block;
          unsigned char mark;
        };
        std::vector<held> mine;
        for (int i = 0; i < 3000; ++i) {
          if (mine.size() < 32 && rng() % 3 != 0) {
            if (auto b = a->allocate(1 + rng() % 16384)) {
              // A mark unique to this thread and block: another owner of any byte would change it.
              const auto mark = static_cast<unsigned char>(t * 64 + i % 64);
              std::memset(b->data, mark, b->size);
              mine.push_back({*b, mark});
              ++served;
            }
          } else if (!mine.empty()) {
            const auto victim = rng() % mine.size();
            const auto h = mine[victim];
            mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(victim));
            for (std::uint64_t k = 0; k < h.block.size; ++k)
              if (static_cast<unsigned char>(h.block.data[k]) != h.mark) {
                ++corrupted;
                break;
              }
            a->deallocate(h.block);
          }
        }
        for (const auto& h : mine) a->deallocate(h.block);
      });
    }
    for (auto& th : threads) th.join();
    CHECK(corrupted == 0);
    CHECK(served > 1000);
    CHECK(a->used() == 0);
    CHECK(a->allocate(a->capacity()));  // everything merged back into one block
  }
}
