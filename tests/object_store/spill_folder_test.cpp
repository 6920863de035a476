// The spill folder on its own: files per object, the quota and the disk limit, clean-up.
#include <actors/object_store/spill_folder.hpp>

#include "pattern.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <vector>

using namespace actors::object_store;
using object_store_test::files_in;
using object_store_test::temp_folder;

namespace {

std::vector<std::byte> pattern_bytes(std::size_t n, std::uint64_t seed) {
  std::vector<std::byte> v(n);
  object_store_test::fill_pattern(v, seed);
  return v;
}

}  // namespace

TEST_SUITE("spill") {
  TEST_CASE("a spill folder writes reads and removes one file per object in a directory of its own") {
    temp_folder where;
    auto folder = object_store_test::spill_to(where);
    CHECK(std::filesystem::path(folder->directory()).parent_path() == where.path());
    CHECK(std::filesystem::path(folder->directory()).filename().string().starts_with(
        "actors-spill-" + std::to_string(::getpid()) + "-"));
    const auto a = pattern_bytes(100'001, 1), b = pattern_bytes(0, 2);
    CHECK(folder->write({1, 1}, a) == errc::ok);
    CHECK(folder->write({1, 2}, b) == errc::ok);
    CHECK(folder->bytes() == a.size());
    CHECK(files_in(folder->directory()) == 2);
    CHECK(folder->write({1, 1}, a) == errc::already_exists);

    std::vector<std::byte> back(a.size());
    CHECK(folder->read({1, 1}, back) == errc::ok);
    CHECK(back == a);
    std::vector<std::byte> wrong(a.size() - 1);
    CHECK(folder->read({1, 1}, wrong) == errc::io_error);  // another length: not this object
    CHECK(folder->read({1, 2}, {}) == errc::ok);
    CHECK(folder->read({9, 9}, back) == errc::not_found);

    folder->remove({1, 1});
    folder->remove({9, 9});  // nothing to remove: nothing happens
    CHECK(folder->bytes() == 0);
    CHECK(files_in(folder->directory()) == 1);
    CHECK(folder->read({1, 1}, back) == errc::not_found);
  }

  TEST_CASE("the quota limits the bytes on disk and a refused write leaves nothing") {
    temp_folder where;
    auto folder = object_store_test::spill_to(where, 1000);
    CHECK(folder->room() == 1000);
    CHECK(folder->write({1, 1}, pattern_bytes(600, 1)) == errc::ok);
    CHECK(folder->room() == 400);
    CHECK(folder->write({1, 2}, pattern_bytes(401, 2)) == errc::disk_full);
    CHECK(files_in(folder->directory()) == 1);
    CHECK(folder->bytes() == 600);
    CHECK(folder->write({1, 2}, pattern_bytes(400, 2)) == errc::ok);
    CHECK(folder->room() == 0);
    folder->remove({1, 1});
    CHECK(folder->room() == 600);
  }

  TEST_CASE("a disk filled beyond max_disk_use takes no more files") {
    temp_folder where;
    // Any real disk holds more than a billionth of itself.
    auto folder = spill_folder::open({.path = where.path(), .max_disk_use = 1e-9});
    REQUIRE(folder.has_value());
    CHECK((*folder)->room() == 0);
    CHECK((*folder)->write({1, 1}, pattern_bytes(10, 1)) == errc::disk_full);
    CHECK(files_in((*folder)->directory()) == 0);
    auto roomy = object_store_test::spill_to(where);
    CHECK(roomy->room() > (1u << 20));
  }

  TEST_CASE("open makes the folder if missing and rejects what it cannot use") {
    temp_folder where;
    const auto nested = where.path() + "/spill";
    auto folder = spill_folder::open({.path = nested});
    REQUIRE(folder.has_value());
    CHECK(std::filesystem::is_directory(nested));
    CHECK(spill_folder::open({.path = ""}).error() == errc::invalid_argument);
    CHECK(spill_folder::open({.path = where.path(), .max_disk_use = 0}).error() == errc::invalid_argument);
    CHECK(spill_folder::open({.path = where.path(), .max_disk_use = 1.5}).error() == errc::invalid_argument);
    CHECK(spill_folder::open({.path = where.path() + "/no/such/parent"}).error() == errc::io_error);
    std::ofstream(where.path() + "/a-file").put('x');
    CHECK(spill_folder::open({.path = where.path() + "/a-file"}).error() == errc::io_error);
  }

  TEST_CASE("a spill folder removes its files and its directory when it goes") {
    temp_folder where;
    std::string directory;
    {
      auto folder = object_store_test::spill_to(where);
      directory = folder->directory();
      REQUIRE(folder->write({1, 1}, pattern_bytes(5000, 1)) == errc::ok);
      REQUIRE(folder->write({1, 2}, pattern_bytes(5000, 2)) == errc::ok);
      std::ofstream(directory + "/left-by-someone").put('x');
    }
    CHECK_FALSE(std::filesystem::exists(directory));
    CHECK(files_in(where.path()) == 0);
  }

  TEST_CASE("remove_stale takes the directories of dead stores and leaves live ones" * doctest::timeout(60)) {
    temp_folder where;
    auto live = object_store_test::spill_to(where);
    REQUIRE(live->write({1, 1}, pattern_bytes(10, 1)) == errc::ok);
    object_store_test::child_process child({"/bin/true"});
    REQUIRE(child.started());
    const auto dead = child.pid();
    REQUIRE(child.wait().code == 0);
    const auto stale = where.path() + "/actors-spill-" + std::to_string(dead) + "-abc123";
    std::filesystem::create_directory(stale);
    std::ofstream(stale + "/00000000000000010000000000000001").put('x');
    std::filesystem::create_directory(where.path() + "/unrelated");

    auto removed = spill_folder::remove_stale(where.path());
    REQUIRE(removed.has_value());
    CHECK(*removed == std::vector<std::string>{stale});
    CHECK_FALSE(std::filesystem::exists(stale));
    CHECK(std::filesystem::exists(live->directory()));
    CHECK(std::filesystem::exists(where.path() + "/unrelated"));
    std::vector<std::byte> back(10);
    CHECK(live->read({1, 1}, back) == errc::ok);
    CHECK(spill_folder::remove_stale(where.path() + "/missing").error() == errc::io_error);
  }
}
