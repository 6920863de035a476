// Chunked transfer: the plan that cuts an object, and the assembler that puts it together in
// the receiving store from chunks in any order and from several threads.
#include <actors/object_store/chunks.hpp>
#include <actors/object_store/store.hpp>

#include "pattern.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

using namespace actors::object_store;
using actors::expected;
using object_store_test::small_arena;

namespace {

constexpr std::uint64_t mib = 1 << 20;

// What an assembler call said: "true" (sealed), "false" (more to come) or the error's name.
std::string said(const expected<bool, errc>& r) {
  return r ? (*r ? "true" : "false") : std::string(to_string(r.error()));
}

std::vector<std::byte> pattern_bytes(std::size_t n, std::uint64_t seed) {
  std::vector<std::byte> v(n);
  object_store_test::fill_pattern(v, seed);
  return v;
}

}  // namespace

TEST_SUITE("chunks") {
  TEST_CASE("a plan cuts an object into equal chunks and a shorter last one") {
    auto plan = chunk_plan::make(20, 8);
    REQUIRE(plan.has_value());
    CHECK(plan->object_size() == 20);
    CHECK(plan->chunk_size() == 8);
    CHECK(plan->count() == 3);
    CHECK(plan->at(0)->offset == 0);
    CHECK(plan->at(0)->size == 8);
    CHECK(plan->at(1)->offset == 8);
    CHECK(plan->at(2)->index == 2);
    CHECK(plan->at(2)->offset == 16);
    CHECK(plan->at(2)->size == 4);
    CHECK(plan->at(3).error() == errc::chunk_out_of_range);
    CHECK(plan->at(~0ull).error() == errc::chunk_out_of_range);

    CHECK(chunk_plan::make(24, 8)->count() == 3);
    CHECK(chunk_plan::make(24, 8)->at(2)->size == 8);
    CHECK(chunk_plan::make(1, 8)->count() == 1);
    CHECK(chunk_plan::make(5, 100)->at(0)->size == 5);
    CHECK(chunk_plan::make(256 * mib)->count() == 32);  // 8 MiB by default
    CHECK(chunk_plan::make(256 * mib + 1)->count() == 33);
    CHECK(chunk_plan::make(~0ull, 1ull << 62)->count() == 4);  // no overflow near the top
    CHECK(chunk_plan::make(10, 0).error() == errc::invalid_argument);
  }

  TEST_CASE("an empty object is one empty chunk") {
    auto plan = chunk_plan::make(0);
    REQUIRE(plan.has_value());
    CHECK(plan->count() == 1);
    CHECK(plan->at(0)->size == 0);
    store s(small_arena(mib));
    auto in = chunk_assembler::start(s, {1, 1}, *plan);
    REQUIRE(in.has_value());
    CHECK(said((*in)->write(0, {})) == "true");
    CHECK(s.get({1, 1})->empty());
    s.release({1, 1});
  }

  TEST_CASE("slice gives a sender each chunk's bytes of the object") {
    const auto object = pattern_bytes(20, 1);
    auto plan = *chunk_plan::make(20, 8);
    std::vector<std::byte> joined;
    for (std::uint64_t i = 0; i < plan.count(); ++i) {
      auto part = plan.slice(object, i);
      REQUIRE(part.has_value());
      CHECK(part->size() == plan.at(i)->size);
      CHECK(part->data() == object.data() + plan.at(i)->offset);  // a view, not a copy
      joined.insert(joined.end(), part->begin(), part->end());
    }
    CHECK(joined == object);
    CHECK(plan.slice(object, 3).error() == errc::chunk_out_of_range);
    CHECK(plan.slice(std::span(object).first(19), 0).error() == errc::chunk_size_mismatch);
  }

  TEST_CASE("256 MiB in 8 MiB chunks delivered in random order by 4 threads arrive whole" * doctest::timeout(300)) {
    constexpr std::uint64_t size = 256 * mib;
    const auto source = pattern_bytes(size, 2024);
    const auto sent_sum = object_store_test::checksum(source);
    auto plan = *chunk_plan::make(size);
    REQUIRE(plan.count() == 32);

    store s(small_arena(size));
    const object_id id{5, 5};
    auto in = chunk_assembler::start(s, id, plan);
    REQUIRE(in.has_value());
    CHECK(s.get(id).error() == errc::not_sealed);

    std::vector<std::uint64_t> order(plan.count());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(99));
    std::atomic<std::size_t> next{0};
    std::atomic<int> sealers{0}, failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t k; (k = next.fetch_add(1)) < order.size();) {
          const auto i = order[k];
          auto part = *plan.slice(source, i);
          expected<bool, errc> done = false;
          if (t % 2 == 0) {
            done = (*in)->write(i, part);  // from a buffer
          } else {
            auto dest = (*in)->claim(i);  // straight into the arena, as a socket read would
            if (!dest) {
              ++failures;
              continue;
            }
            std::memcpy(dest->data(), part.data(), part.size());
            done = (*in)->finish(i);
          }
          if (!done) ++failures;
          else if (*done) ++sealers;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(sealers == 1);
    CHECK((*in)->complete());
    CHECK((*in)->arrived() == 32);
    auto bytes = s.get(id);
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == size);
    CHECK(object_store_test::checksum(*bytes) == sent_sum);
    s.release(id);
    in->reset();  // a completed object stays
    CHECK(s.contains(id));
  }

  TEST_CASE("duplicate and out-of-range and wrongly sized chunks are refused and change nothing") {
    store s(small_arena(mib));
    auto plan = *chunk_plan::make(20, 8);
    auto in = std::move(*chunk_assembler::start(s, {1, 1}, plan));
    const auto object = pattern_bytes(20, 3);
    CHECK(in->write(3, *plan.slice(object, 0)).error() == errc::chunk_out_of_range);
    CHECK(in->claim(3).error() == errc::chunk_out_of_range);
    CHECK(said(in->write(0, *plan.slice(object, 1))) == "false");
    CHECK(in->write(0, *plan.slice(object, 0)).error() == errc::chunk_duplicate);  // 0 arrived already
    CHECK(in->write(2, *plan.slice(object, 0)).error() == errc::chunk_size_mismatch);  // 8 bytes, not 4
    CHECK(in->write(2, {}).error() == errc::chunk_size_mismatch);
    auto claimed = in->claim(1);
    REQUIRE(claimed.has_value());
    CHECK(claimed->size() == 8);
    CHECK(in->claim(1).error() == errc::chunk_duplicate);  // being received
    CHECK(in->write(1, *plan.slice(object, 1)).error() == errc::chunk_duplicate);
    in->abandon(1);  // its sender failed: it may come again
    CHECK(in->arrived() == 1);
    CHECK_FALSE(in->complete());
    CHECK(said(in->write(2, *plan.slice(object, 2))) == "false");
    CHECK(said(in->write(1, *plan.slice(object, 1))) == "true");
    CHECK(in->complete());
    CHECK(in->write(1, *plan.slice(object, 1)).error() == errc::chunk_duplicate);
    auto bytes = s.get({1, 1});
    REQUIRE(bytes.has_value());
    // Chunk 0 got chunk 1's bytes (same length, so accepted): the receiver trusts its index.
    CHECK(std::equal(bytes->begin(), bytes->begin() + 8, object.begin() + 8));
    CHECK(std::equal(bytes->begin() + 8, bytes->end(), object.begin() + 8));
    s.release({1, 1});
  }

  TEST_CASE("the room a claim hands out is the object's own memory in the arena") {
    auto memory = small_arena(mib);
    store s(memory);
    auto plan = *chunk_plan::make(3000, 1000);
    auto in = std::move(*chunk_assembler::start(s, {1, 1}, plan));
    std::vector<std::byte*> starts;
    for (std::uint64_t i = 0; i < 3; ++i) {
      auto dest = in->claim(i);
      REQUIRE(dest.has_value());
      std::memset(dest->data(), static_cast<int>('a' + i), dest->size());
      starts.push_back(dest->data());
    }
    for (std::uint64_t i = 0; i < 3; ++i) REQUIRE(in->finish(i).has_value());
    auto bytes = s.get({1, 1});
    REQUIRE(bytes.has_value());
    CHECK(starts[0] == bytes->data());
    CHECK(starts[2] == bytes->data() + 2000);
    CHECK((*bytes)[1999] == std::byte{'b'});
    CHECK(memory->used() >= 3000);
    s.release({1, 1});
  }

  TEST_CASE("cancel removes the unfinished object and refuses what comes after") {
    store s(small_arena(mib));
    auto plan = *chunk_plan::make(20, 8);
    auto in = std::move(*chunk_assembler::start(s, {1, 1}, plan));
    const auto object = pattern_bytes(20, 4);
    REQUIRE(in->write(0, *plan.slice(object, 0)).has_value());
    in->cancel();
    CHECK(in->cancelled());
    CHECK_FALSE(s.contains({1, 1}));
    CHECK(s.statistics().bytes_used == 0);
    CHECK(in->write(1, *plan.slice(object, 1)).error() == errc::cancelled);
    CHECK(in->claim(2).error() == errc::cancelled);
    in->cancel();  // twice is once
    in.reset();
    CHECK(s.statistics().objects == 0);
  }

  TEST_CASE("a cancel while chunks are being written removes the object when the last one ends") {
    store s(small_arena(mib));
    auto plan = *chunk_plan::make(20, 8);
    auto in = std::move(*chunk_assembler::start(s, {1, 1}, plan));
    auto first = in->claim(0);
    auto second = in->claim(1);
    REQUIRE((first && second));
    in->cancel();
    CHECK(s.contains({1, 1}));  // writers are still in its memory
    std::memset(first->data(), 1, first->size());
    CHECK(in->finish(0).error() == errc::cancelled);
    CHECK(s.contains({1, 1}));
    in->abandon(1);
    CHECK_FALSE(s.contains({1, 1}));
  }

  TEST_CASE("an assembler dropped unfinished removes its object and the id may be used again") {
    store s(small_arena(mib));
    auto plan = *chunk_plan::make(20, 8);
    {
      auto in = std::move(*chunk_assembler::start(s, {1, 1}, plan));
      REQUIRE(in->write(2, pattern_bytes(4, 1)).has_value());
      CHECK(chunk_assembler::start(s, {1, 1}, plan).error() == errc::already_exists);
    }
    CHECK_FALSE(s.contains({1, 1}));
    CHECK(s.statistics().bytes_used == 0);
    auto again = chunk_assembler::start(s, {1, 1}, plan);
    CHECK(again.has_value());
  }

  TEST_CASE("start fails as create does when the object cannot be made") {
    store s(small_arena(mib));
    CHECK(chunk_assembler::start(s, {1, 1}, *chunk_plan::make(2 * mib)).error() == errc::too_large);
    CHECK(chunk_assembler::start(s, {}, *chunk_plan::make(10)).error() == errc::invalid_argument);
    CHECK(s.statistics().objects == 0);
  }

  TEST_CASE("finishing a chunk nobody claimed or dropping one in flight is a bug that aborts" *
            doctest::timeout(30)) {
    auto unclaimed = object_store_test::run_in_child([] {
      store s(small_arena(mib));
      auto in = std::move(*chunk_assembler::start(s, {1, 1}, *chunk_plan::make(20, 8)));
      (void)in->finish(1);
    });
    CHECK(unclaimed.signal == SIGABRT);
    CHECK(unclaimed.stderr_text.find("not claimed") != std::string::npos);
    auto in_flight = object_store_test::run_in_child([] {
      store s(small_arena(mib));
      auto in = std::move(*chunk_assembler::start(s, {1, 1}, *chunk_plan::make(20, 8)));
      (void)in->claim(1);
      in.reset();
    });
    CHECK(in_flight.signal == SIGABRT);
    CHECK(in_flight.stderr_text.find("being written") != std::string::npos);
  }
}
