// The store spills primary copies to disk when full, and brings them back on get.
#include <actors/object_store/store.hpp>

#include "pattern.hpp"
#include "store_fixture.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace actors::object_store;
using object_store_test::files_in;
using object_store_test::small_arena;
using object_store_test::spill_to;
using object_store_test::temp_folder;

namespace {

constexpr std::uint64_t kib = 1024;

/// Creates object {1, n} of `size` bytes holding the pattern of n, and seals it.
errc put_pattern(store& s, std::uint64_t n, std::uint64_t size) {
  auto data = s.create({1, n}, size);
  if (!data) return data.error();
  object_store_test::fill_pattern({*data, size}, n);
  return s.seal({1, n});
}

/// Gets object {1, n}, checks its pattern and releases it.
errc check_pattern(store& s, std::uint64_t n, std::uint64_t size) {
  auto bytes = s.get({1, n});
  if (!bytes) return bytes.error();
  const bool same = bytes->size() == size && object_store_test::has_pattern(*bytes, n);
  s.release({1, n});
  return same ? errc::ok : errc::io_error;
}

// The path of object {1, n}'s file in the one spill directory under `where`.
std::string spill_file(const temp_folder& where, std::uint64_t n) {
  for (const auto& dir : std::filesystem::directory_iterator(where.path()))
    return (dir.path() / to_string(object_id{1, n})).string();
  return {};
}

}  // namespace

TEST_SUITE("spill") {
  TEST_CASE("primaries beyond the arena's capacity spill to disk and come back on get" * doctest::timeout(120)) {
    temp_folder where;
    store s(small_arena(1024 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 48; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    auto st = s.statistics();
    CHECK(st.objects == 48);
    CHECK(st.bytes_used == 1024 * kib);
    CHECK(st.spilled_objects == 32);
    CHECK(st.spilled_bytes == 32 * 64 * kib);
    CHECK(st.spills == 32);
    CHECK(st.restores == 0);
    CHECK(st.evictions == 0);
    for (std::uint64_t n = 1; n <= 32; ++n) CHECK(s.spilled({1, n}));  // the oldest went first
    for (std::uint64_t n = 33; n <= 48; ++n) CHECK_FALSE(s.spilled({1, n}));
    CHECK(files_in(std::filesystem::directory_iterator(where.path())->path().string()) == 32);

    for (std::uint64_t n = 1; n <= 48; ++n) CHECK(check_pattern(s, n, 64 * kib) == errc::ok);
    for (std::uint64_t n = 48; n >= 1; --n) CHECK(check_pattern(s, n, 64 * kib) == errc::ok);
    st = s.statistics();
    CHECK(st.objects == 48);
    CHECK(st.restores >= 32);
    CHECK(st.spilled_objects == 32);
    CHECK(st.spills == 32 + st.restores);  // each restore into a full arena spilled one other
  }

  TEST_CASE("odd sizes and an empty object spill and come back whole" * doctest::timeout(60)) {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    const std::uint64_t sizes[] = {0, 1, 63, 65, 100'001, 4095, 77'777, 120'000, 99'999, 3};
    for (std::uint64_t n = 0; n < std::size(sizes); ++n) REQUIRE(put_pattern(s, n + 1, sizes[n]) == errc::ok);
    CHECK(s.statistics().spills > 0);
    for (std::uint64_t n = 0; n < std::size(sizes); ++n) CHECK(check_pattern(s, n + 1, sizes[n]) == errc::ok);
  }

  TEST_CASE("pinned objects never spill and when all memory is pinned create fails with out_of_memory" *
            doctest::timeout(60)) {
    temp_folder where;
    store s(small_arena(1024 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 8; ++n) {
      REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
      REQUIRE(s.get({1, n}).has_value());  // held for the whole test
    }
    for (std::uint64_t n = 9; n <= 40; ++n) {
      REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
      for (std::uint64_t p = 1; p <= 8; ++p) REQUIRE_FALSE(s.spilled({1, p}));
    }
    CHECK(s.statistics().spills == 24);
    // Pin what is left in memory: nothing may go now.
    std::vector<std::uint64_t> pinned;
    for (std::uint64_t n = 9; n <= 40; ++n)
      if (!s.spilled({1, n})) {
        REQUIRE(s.get({1, n}).has_value());
        pinned.push_back(n);
      }
    CHECK(s.create({1, 99}, 64 * kib).error() == errc::out_of_memory);
    CHECK(s.get({1, 9}).error() == errc::out_of_memory);  // spilled, and no room to bring it back
    CHECK(s.statistics().spills == 24);
    for (std::uint64_t n = 1; n <= 8; ++n) {
      auto bytes = s.get({1, n});
      REQUIRE(bytes.has_value());
      CHECK(object_store_test::has_pattern(*bytes, n));
      s.release({1, n});
      s.release({1, n});
    }
    for (auto n : pinned) s.release({1, n});
    for (std::uint64_t n = 1; n <= 40; ++n) CHECK(check_pattern(s, n, 64 * kib) == errc::ok);
  }

  TEST_CASE("unsealed objects never spill") {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 4; ++n) REQUIRE(s.create({1, n}, 64 * kib).has_value());
    CHECK(s.create({1, 5}, 64 * kib).error() == errc::out_of_memory);
    CHECK(s.statistics().spills == 0);
  }

  TEST_CASE("the least recently used primary spills first") {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 4; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    REQUIRE(check_pattern(s, 1, 64 * kib) == errc::ok);  // 2 is now the least recently used
    REQUIRE(put_pattern(s, 5, 64 * kib) == errc::ok);
    CHECK(s.spilled({1, 2}));
    for (std::uint64_t n : {1, 3, 4, 5}) CHECK_FALSE(s.spilled({1, n}));
    REQUIRE(put_pattern(s, 6, 64 * kib) == errc::ok);
    CHECK(s.spilled({1, 3}));
  }

  TEST_CASE("evictable copies are evicted before primaries spill") {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 4; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    s.set_evictable({1, 3}, true);
    REQUIRE(put_pattern(s, 5, 64 * kib) == errc::ok);
    CHECK_FALSE(s.contains({1, 3}));
    CHECK(s.statistics().evictions == 1);
    CHECK(s.statistics().spills == 0);
    REQUIRE(put_pattern(s, 6, 64 * kib) == errc::ok);
    CHECK(s.spilled({1, 1}));
    CHECK(s.statistics().spills == 1);
    // A spilled object that becomes evictable stays on disk until read or removed.
    s.set_evictable({1, 1}, true);
    CHECK(check_pattern(s, 1, 64 * kib) == errc::ok);
  }

  TEST_CASE("remove of a spilled object deletes its file") {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 5; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    REQUIRE(s.spilled({1, 1}));
    const auto file = spill_file(where, 1);
    CHECK(std::filesystem::exists(file));
    CHECK(s.remove({1, 1}) == errc::ok);
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK_FALSE(s.contains({1, 1}));
    CHECK(s.get({1, 1}).error() == errc::not_found);
    CHECK(s.statistics().spilled_objects == 0);
    CHECK(s.statistics().spilled_bytes == 0);
    CHECK(s.statistics().objects == 4);
  }

  TEST_CASE("a restored object's file is deleted and it may spill again") {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 5; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    const auto file = spill_file(where, 1);
    REQUIRE(std::filesystem::exists(file));
    REQUIRE(check_pattern(s, 1, 64 * kib) == errc::ok);  // spills 2 to come back
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK(s.spilled({1, 2}));
    CHECK(s.statistics().restores == 1);
    for (std::uint64_t n = 6; n <= 9; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    CHECK(s.spilled({1, 1}));
    CHECK(check_pattern(s, 1, 64 * kib) == errc::ok);
  }

  TEST_CASE("an object larger than the arena is too_large whether or not the disk could hold it") {
    temp_folder where;
    store spilling(small_arena(256 * kib), spill_to(where));
    store plain(small_arena(256 * kib));
    REQUIRE(put_pattern(spilling, 1, 64 * kib) == errc::ok);
    CHECK(spilling.create({1, 2}, 256 * kib + 1).error() == errc::too_large);
    CHECK(plain.create({1, 2}, 256 * kib + 1).error() == errc::too_large);
    CHECK(spilling.create({1, 2}, ~0ull).error() == errc::too_large);
    CHECK(spilling.statistics().spills == 0);
    CHECK_FALSE(spilling.spilled({1, 1}));
    CHECK(put_pattern(spilling, 3, 256 * kib) == errc::ok);  // the whole arena is fine: 1 spills
    CHECK(spilling.spilled({1, 1}));
  }

  TEST_CASE("when the spill quota cannot take what must go create fails with disk_full and loses nothing" *
            doctest::timeout(60)) {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where, 128 * kib));
    for (std::uint64_t n = 1; n <= 6; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    CHECK(s.statistics().spilled_bytes == 128 * kib);
    CHECK(s.create({1, 7}, 64 * kib).error() == errc::disk_full);
    CHECK(s.get({1, 1}).error() == errc::disk_full);  // coming back needs another to go out
    // Decided before writing anything: 192 KiB must go, the quota has none left.
    CHECK(s.create({1, 8}, 192 * kib).error() == errc::disk_full);
    CHECK(s.statistics().spills == 2);
    CHECK(s.statistics().objects == 6);
    // Make room and every object comes back intact.
    REQUIRE(s.remove({1, 6}) == errc::ok);
    REQUIRE(s.remove({1, 5}) == errc::ok);
    for (std::uint64_t n = 1; n <= 4; ++n) CHECK(check_pattern(s, n, 64 * kib) == errc::ok);
  }

  TEST_CASE("without a spill folder a full store fails as it always did") {
    store s(small_arena(256 * kib));
    for (std::uint64_t n = 1; n <= 4; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    CHECK(s.create({1, 5}, 64 * kib).error() == errc::out_of_memory);
    CHECK(s.statistics().spills == 0);
    CHECK_FALSE(s.spilled({1, 1}));
  }

  TEST_CASE("a spill file that went bad is io_error on get and the object stays for remove") {
    temp_folder where;
    store s(small_arena(256 * kib), spill_to(where));
    for (std::uint64_t n = 1; n <= 6; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
    std::filesystem::resize_file(spill_file(where, 1), 1000);
    std::filesystem::remove(spill_file(where, 2));
    CHECK(s.get({1, 1}).error() == errc::io_error);
    CHECK(s.get({1, 2}).error() == errc::io_error);
    CHECK(s.contains({1, 1}));
    CHECK(s.spilled({1, 1}));
    CHECK(s.remove({1, 1}) == errc::ok);
    CHECK(s.remove({1, 2}) == errc::ok);
    for (std::uint64_t n = 3; n <= 6; ++n) CHECK(check_pattern(s, n, 64 * kib) == errc::ok);
    CHECK(s.statistics().spilled_objects == 0);
  }

  TEST_CASE("the spill files go when the store goes") {
    temp_folder where;
    {
      store s(small_arena(256 * kib), spill_to(where));
      for (std::uint64_t n = 1; n <= 8; ++n) REQUIRE(put_pattern(s, n, 64 * kib) == errc::ok);
      REQUIRE(s.statistics().spilled_objects == 4);
      REQUIRE(files_in(where.path()) == 1);
    }
    CHECK(files_in(where.path()) == 0);
  }
}
