// The store used from several threads at once: writers, readers, removers and eviction.
#include <actors/object_store/store.hpp>

#include "store_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

using namespace actors::object_store;

TEST_SUITE("store") {
  TEST_CASE("readers see whole sealed objects while writers and removers and eviction run" *
            doctest::timeout(120)) {
    auto memory = object_store_test::small_arena(2 << 20);
    store s(memory);
    constexpr int thread_count = 4;
    // Every thread reads every id; an id is written and removed by one thread only, as the
    // store's contract asks (one writer per object), but evicted by whoever needs room.
    constexpr std::uint64_t ids = 64;
    std::atomic<int> torn{0};
    std::atomic<int> failed_seals{0};
    std::atomic<int> reads{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(t + 100);
        for (int i = 0; i < 4000; ++i) {
          const object_id any{7, 1 + rng() % ids};
          const object_id own{7, 1 + (rng() % (ids / thread_count)) * thread_count + t};
          switch (rng() % 4) {
            case 0: {  // write: every byte of object (7, n) is n, so a reader can check it
              const std::uint64_t size = 1 + rng() % 65536;
              if (auto data = s.create(own, size)) {
                std::memset(*data, static_cast<int>(own.lo), size);
                if (s.seal(own) != errc::ok) ++failed_seals;
                s.set_evictable(own, rng() % 2 == 0);
              }
              break;
            }
            case 1:
            case 2:
              if (auto bytes = s.get(any)) {
                for (auto b : *bytes)
                  if (b != static_cast<std::byte>(any.lo)) {
                    ++torn;
                    break;
                  }
                ++reads;
                s.release(any);
              }
              break;
            default:
              s.remove(own);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(torn == 0);
    CHECK(failed_seals == 0);
    CHECK(reads > 0);
    for (std::uint64_t n = 1; n <= ids; ++n) s.remove({7, n});
    CHECK(s.statistics().objects == 0);
    CHECK(memory->used() == 0);
  }
}
