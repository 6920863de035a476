// An arena in POSIX shared memory: what other processes see, and the name's lifetime.
#include <actors/object_store/arena.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

using namespace actors::object_store;

namespace {

bool shm_name_exists(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace

TEST_SUITE("arena") {
  TEST_CASE("bytes written through a shared-memory arena are visible through a second mapping") {
    const auto name = object_store_test::unique_shm_name();
    auto a = *arena::open({.capacity = 1 << 20, .prefault_ahead = 0, .shm_name = name});
    CHECK(a->shm_name() == name);
    auto block = a->allocate(100);
    REQUIRE(block);
    std::memcpy(block->data, "hello from the arena", 21);

    const int fd = ::shm_open(name.c_str(), O_RDWR, 0);
    REQUIRE(fd >= 0);
    void* view = ::mmap(nullptr, a->capacity(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    REQUIRE(view != MAP_FAILED);
    auto* bytes = static_cast<char*>(view);
    CHECK(std::strcmp(bytes + block->offset, "hello from the arena") == 0);
    std::memcpy(bytes + block->offset, "HELLO", 5);  // and the other way round
    CHECK(std::memcmp(block->data, "HELLO from the arena", 21) == 0);
    ::munmap(view, a->capacity());
  }

  TEST_CASE("another process reads an object at its offset by the shared-memory name" * doctest::timeout(60)) {
    const auto name = object_store_test::unique_shm_name();
    auto a = *arena::open({.capacity = 4 << 20, .prefault_ahead = 1 << 20, .shm_name = name});
    auto block = a->allocate(3 << 20);
    REQUIRE(block);
    for (std::uint64_t i = 0; i < block->size; ++i) block->data[i] = static_cast<std::byte>(i * 7);
    const auto offset = block->offset, size = block->size, capacity = a->capacity();

    auto out = object_store_test::run_in_child([&] {
      const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
      if (fd < 0) ::_exit(2);
      void* view = ::mmap(nullptr, capacity, PROT_READ, MAP_SHARED, fd, 0);
      if (view == MAP_FAILED) ::_exit(3);
      const auto* bytes = static_cast<const std::byte*>(view) + offset;
      for (std::uint64_t i = 0; i < size; ++i)
        if (bytes[i] != static_cast<std::byte>(i * 7)) ::_exit(4);
      ::_exit(0);
    });
    CHECK(out.exited);
    CHECK(out.code == 0);
  }

  TEST_CASE("the shared-memory name is removed when the arena goes") {
    const auto name = object_store_test::unique_shm_name();
    {
      auto a = *arena::open({.capacity = 1 << 16, .shm_name = name});
      CHECK(shm_name_exists(name));
    }
    CHECK_FALSE(shm_name_exists(name));
    // ...and a failed open leaves nothing behind either.
    CHECK(arena::open({.capacity = ~0ull, .shm_name = name}).error() == errc::invalid_argument);
    CHECK_FALSE(shm_name_exists(name));
  }

  TEST_CASE("a name that is taken cannot be opened again while its arena lives") {
    const auto name = object_store_test::unique_shm_name();
    auto first = *arena::open({.capacity = 1 << 16, .shm_name = name});
    auto second = arena::open({.capacity = 1 << 16, .shm_name = name});
    REQUIRE_FALSE(second);
    CHECK(second.error() == errc::already_exists);
    CHECK(shm_name_exists(name));  // the failed open did not unlink the first arena's name
  }

  TEST_CASE("malformed shared-memory names are invalid arguments") {
    for (const std::string& bad : std::vector<std::string>{"no-slash", "/", "/a/b", "/" + std::string(300, 'x')})
      CHECK(arena::open({.capacity = 1 << 16, .shm_name = bad}).error() == errc::invalid_argument);
  }

  TEST_CASE("a shared-memory arena is prefaulted too" * doctest::timeout(120)) {
    const auto name = object_store_test::unique_shm_name();
    auto a = *arena::open({.capacity = 32 << 20, .prefault_ahead = 8 << 20, .shm_name = name});
    REQUIRE(a->allocate(64));
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t target = (8 << 20) + page;  // 64 bytes used, rounded up to a page
    REQUIRE(object_store_test::eventually([&] { return a->prefaulted() >= target; }));
    CHECK(object_store_test::resident_pages(a->base(), target) ==
          target / page);
  }
}
