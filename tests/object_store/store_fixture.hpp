#pragma once
// A store over a small private arena, and a one-call put, for the store's tests.

#include <actors/object_store/store.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace object_store_test {

inline std::shared_ptr<actors::object_store::arena> small_arena(std::uint64_t capacity) {
  auto a = actors::object_store::arena::open({.capacity = capacity, .prefault_ahead = 0});
  REQUIRE(a.has_value());
  return *a;
}

/// Creates, fills with `fill` and seals.
inline void put(actors::object_store::store& s, actors::object_store::object_id id, std::uint64_t size,
                char fill) {
  auto data = s.create(id, size);
  REQUIRE(data.has_value());
  std::memset(*data, fill, size);
  REQUIRE(s.seal(id) == actors::object_store::errc::ok);
}

/// A folder of its own under the temporary directory, removed with everything in it at the end.
class temp_folder {
 public:
  temp_folder() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("actors-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directory(path_);
  }
  ~temp_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// A spill folder in `where`, with `quota` bytes at most (0: the disk's limit).
inline std::unique_ptr<actors::object_store::spill_folder> spill_to(const temp_folder& where, std::uint64_t quota = 0) {
  auto folder = actors::object_store::spill_folder::open({.path = where.path(), .quota = quota});
  REQUIRE(folder.has_value());
  return std::move(*folder);
}

/// How many files a folder holds.
inline std::size_t files_in(const std::string& folder) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder)) ++n;
  return n;
}

}  // namespace object_store_test
