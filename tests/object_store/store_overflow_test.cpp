// A store with an overflow arena (a file on disk) places there what finds no room in memory,
// where other processes read and fill it in place as in memory.
#include <actors/object_store/store.hpp>

#include "pattern.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <sstream>
#include <vector>

using namespace actors::object_store;
using object_store_test::child_process;
using object_store_test::child_program;
using object_store_test::small_arena;
using object_store_test::temp_folder;

namespace {

constexpr std::uint64_t kib = 1024;

std::shared_ptr<arena> file_arena(const temp_folder& where, std::uint64_t capacity) {
  auto a = arena::open({.capacity = capacity, .file_path = where.path() + "/overflow"});
  REQUIRE(a.has_value());
  return *a;
}

/// Bytes of disk the file holds (its holes hold none).
std::uint64_t disk_bytes(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

}  // namespace

TEST_SUITE("overflow") {
  TEST_CASE("objects that find no room in memory go to the overflow file, and leave it when removed" *
            doctest::timeout(60)) {
    temp_folder where;
    auto overflow = file_arena(where, 8 << 20);
    store s(small_arena(1024 * kib), nullptr, overflow);
    // Pinned, as a node's objects are while some process maps them: nothing may be evicted
    // or spilled, so only the overflow file can take the rest.
    std::vector<std::span<const std::byte>> held;
    for (std::uint64_t n = 1; n <= 12; ++n) {
      auto data = s.create({1, n}, 256 * kib);
      REQUIRE(data.has_value());
      object_store_test::fill_pattern({*data, 256 * kib}, n);
      REQUIRE(s.seal({1, n}) == errc::ok);
      auto bytes = s.get({1, n});
      REQUIRE(bytes.has_value());
      held.push_back(*bytes);
    }
    auto st = s.statistics();
    CHECK(st.objects == 12);
    CHECK(st.bytes_used == 1024 * kib);
    CHECK(st.overflow_objects == 8);
    CHECK(st.overflow_bytes == 8 * 256 * kib);
    for (std::uint64_t n = 1; n <= 12; ++n) {
      CHECK(s.in_overflow(held[n - 1]) == (n > 4));
      CHECK(object_store_test::has_pattern(held[n - 1], n));
    }
    CHECK(disk_bytes(overflow->file_path()) >= 8 * 256 * kib);  // reserved on disk when placed

    for (std::uint64_t n = 1; n <= 12; ++n) {
      s.release({1, n});
      REQUIRE(s.remove({1, n}) == errc::ok);
    }
    st = s.statistics();
    CHECK(st.objects == 0);
    CHECK(st.bytes_used == 0);
    CHECK(st.overflow_objects == 0);
    CHECK(st.overflow_bytes == 0);
    CHECK(disk_bytes(overflow->file_path()) < 64 * kib);  // given back to the disk
  }

  TEST_CASE("an object larger than memory fits the overflow file; one larger than both is too_large") {
    temp_folder where;
    store s(small_arena(1024 * kib), nullptr, file_arena(where, 4 << 20));
    auto big = s.create({1, 1}, 3 << 20);
    REQUIRE(big.has_value());
    object_store_test::fill_pattern({*big, 3u << 20}, 7);
    REQUIRE(s.seal({1, 1}) == errc::ok);
    auto bytes = s.get({1, 1});
    REQUIRE(bytes.has_value());
    CHECK(s.in_overflow(*bytes));
    CHECK(object_store_test::has_pattern(*bytes, 7));
    s.release({1, 1});
    CHECK(s.create({1, 2}, 5 << 20).error() == errc::too_large);
    // Room for it in neither, though each could hold it alone: out_of_memory, nothing lost.
    CHECK(s.create({1, 3}, 2 << 20).error() == errc::out_of_memory);
    CHECK(s.get({1, 1}).has_value());
    s.release({1, 1});
  }

  TEST_CASE("another process fills and reads an object in the overflow file in place" * doctest::timeout(120)) {
    temp_folder where;
    auto overflow = file_arena(where, 8 << 20);
    store s(small_arena(256 * kib), nullptr, overflow);
    const std::uint64_t size = 3 << 20;
    auto data = s.create({1, 1}, size);
    REQUIRE(data.has_value());
    const auto offset = overflow->offset_of(*data);
    {
      child_process child({child_program(), "fill", overflow->file_path(), std::to_string(offset),
                           std::to_string(size), "41"});
      REQUIRE(child.started());
      CHECK(child.line() == std::optional<std::string>("filled"));
      CHECK(child.wait().code == 0);
    }
    REQUIRE(s.seal({1, 1}) == errc::ok);
    auto bytes = s.get({1, 1});
    REQUIRE(bytes.has_value());
    CHECK(object_store_test::has_pattern(*bytes, 41));
    child_process reader({child_program(), "read", overflow->file_path(), std::to_string(offset), std::to_string(size)});
    REQUIRE(reader.started());
    auto line = reader.line();
    REQUIRE(line.has_value());
    std::istringstream in(*line);
    std::string word, hex;
    in >> word >> hex;
    CHECK(word == "checksum");
    CHECK(std::stoull(hex, nullptr, 16) == object_store_test::checksum(*bytes));
    CHECK(line->find("in_place 1") != std::string::npos);
    CHECK(reader.wait().code == 0);
    s.release({1, 1});
  }

  TEST_CASE("an overflow file is private, and goes with its arena") {
    temp_folder where;
    std::string path;
    {
      auto overflow = file_arena(where, 1 << 20);
      path = overflow->file_path();
      struct stat st {};
      REQUIRE(::stat(path.c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
      CHECK(arena::open({.capacity = 1 << 20, .file_path = path}).error() == errc::already_exists);
      CHECK(arena::open({.capacity = 1 << 20, .shm_name = "/x", .file_path = path}).error() == errc::invalid_argument);
    }
    struct stat st {};
    CHECK(::stat(path.c_str(), &st) != 0);
  }
}
