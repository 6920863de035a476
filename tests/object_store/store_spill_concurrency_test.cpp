// Spilling and restoring while other threads create, read and remove objects.
#include <actors/object_store/store.hpp>

#include "pattern.hpp"
#include "store_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

using namespace actors::object_store;

TEST_SUITE("spill") {
  TEST_CASE("readers of one spilled object wait for one restore and all see it whole" * doctest::timeout(120)) {
    object_store_test::temp_folder where;
    store s(object_store_test::small_arena(4 << 20), object_store_test::spill_to(where));
    for (std::uint64_t n = 1; n <= 5; ++n) {
      auto data = s.create({4, n}, 1 << 20);
      REQUIRE(data.has_value());
      object_store_test::fill_pattern({*data, 1 << 20}, n);
      REQUIRE(s.seal({4, n}) == errc::ok);
    }
    REQUIRE(s.spilled({4, 1}));
    constexpr int readers = 4;
    std::atomic<int> ready{0}, whole{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < readers; ++t) {
      threads.emplace_back([&] {
        ++ready;
        while (ready < readers) std::this_thread::yield();  // all ask at once
        if (auto bytes = s.get({4, 1})) {
          whole += object_store_test::has_pattern(*bytes, 1) ? 1 : 0;
          s.release({4, 1});
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(whole == readers);
    CHECK(s.statistics().restores == 1);
    CHECK(s.statistics().spills == 2);  // {4, 1} at first, then one to make room for its return
  }

  TEST_CASE("readers see whole objects while writers and removers and spills and restores run" *
            doctest::timeout(180)) {
    object_store_test::temp_folder where;
    auto memory = object_store_test::small_arena(1 << 20);
    store s(memory, object_store_test::spill_to(where));
    constexpr int thread_count = 4;
    constexpr std::uint64_t ids = 64;  // about 3 MiB of objects for a 1 MiB arena
    std::atomic<int> torn{0}, unexpected_errors{0}, reads{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(t + 7);
        for (int i = 0; i < 2500; ++i) {
          const object_id any{3, 1 + rng() % ids};
          // One writer per object, as the store asks: thread t owns the ids equal to t modulo 4.
          const object_id own{3, 1 + (rng() % (ids / thread_count)) * thread_count + t};
          switch (rng() % 5) {
            case 0:
            case 1: {
              const std::uint64_t size = 1 + rng() % (96 << 10);
              auto data = s.create(own, size);
              if (data) {
                object_store_test::fill_pattern({*data, size}, own.lo);
                if (s.seal(own) != errc::ok) ++unexpected_errors;
              } else if (data.error() != errc::already_exists && data.error() != errc::out_of_memory) {
                ++unexpected_errors;  // out_of_memory: only from fragmentation, pins are few
              }
              break;
            }
            case 2:
            case 3: {
              auto bytes = s.get(any);
              if (bytes) {
                if (!object_store_test::has_pattern(*bytes, any.lo)) ++torn;
                ++reads;
                s.release(any);
              } else if (bytes.error() != errc::not_found && bytes.error() != errc::not_sealed &&
                         bytes.error() != errc::out_of_memory) {
                ++unexpected_errors;
              }
              break;
            }
            default:
              s.remove(own);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(torn == 0);
    CHECK(unexpected_errors == 0);
    CHECK(reads > 0);
    const auto st = s.statistics();
    CHECK(st.spills > 0);
    CHECK(st.restores > 0);
    for (std::uint64_t n = 1; n <= ids; ++n) s.remove({3, n});
    CHECK(s.statistics().objects == 0);
    CHECK(s.statistics().spilled_bytes == 0);
    CHECK(memory->used() == 0);
    CHECK(object_store_test::files_in(std::filesystem::directory_iterator(where.path())->path().string()) == 0);
  }
}
