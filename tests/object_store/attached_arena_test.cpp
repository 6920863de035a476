// Other processes on the node attach the store's arena by name and read (or fill) objects in
// place. The other process is a real one: object_store_test_child, started with fork + exec.
#include <actors/object_store/attached_arena.hpp>
#include <actors/object_store/store.hpp>

#include "pattern.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

using namespace actors::object_store;
using object_store_test::child_process;
using object_store_test::child_program;

namespace {

std::shared_ptr<arena> shm_arena(std::uint64_t capacity) {
  auto a = arena::open({.capacity = capacity, .prefault_ahead = 0, .shm_name = object_store_test::unique_shm_name()});
  REQUIRE(a.has_value());
  return *a;
}

struct read_report {
  std::uint64_t checksum = 0;
  long long view_anon_kib = 0;   // private memory the attachment and the view cost
  long long read_shmem_kib = 0;  // shared pages mapped in while the checksum read them
  int in_place = 0;              // the view pointed at the segment's pages at the offset
  std::string write;             // what a write through the read-only view said
};

read_report parse_read(const std::string& line) {
  read_report r;
  std::istringstream in(line);
  std::string word, hex;
  in >> word >> hex;
  REQUIRE(word == "checksum");
  r.checksum = std::stoull(hex, nullptr, 16);
  in >> word >> r.view_anon_kib >> word >> r.read_shmem_kib >> word >> r.in_place >> word >> r.write;
  REQUIRE(word == "write");
  return r;
}

}  // namespace

TEST_SUITE("attached_arena") {
  TEST_CASE("another process attaches the arena by name and reads a sealed object in place" *
            doctest::timeout(120)) {
    auto memory = shm_arena(64 << 20);
    store s(memory);
    // Two objects, one of an odd size, so the offsets are not both zero or aligned alike.
    const std::uint64_t sizes[] = {1'000'003, 32 << 20};
    for (std::uint64_t i = 0; i < 2; ++i) {
      auto data = s.create({1, i + 1}, sizes[i]);
      REQUIRE(data.has_value());
      object_store_test::fill_pattern({*data, sizes[i]}, 40 + i);
      REQUIRE(s.seal({1, i + 1}) == errc::ok);
    }
    for (std::uint64_t i = 0; i < 2; ++i) {
      auto bytes = s.get({1, i + 1});  // the pin the store process keeps while the client reads
      REQUIRE(bytes.has_value());
      const auto offset = memory->offset_of(bytes->data());
      child_process child({child_program(), "read", memory->shm_name(), std::to_string(offset),
                           std::to_string(bytes->size())});
      REQUIRE(child.started());
      const auto line = child.line();
      REQUIRE(line.has_value());
      const auto report = parse_read(*line);
      CHECK(report.checksum == object_store_test::checksum(*bytes));
      CHECK(report.write == "read_only");
      // In place: the view cost the reader no copy of the object, and reading it mapped the
      // store's shared pages.
      const long long object_kib = static_cast<long long>(bytes->size() / 1024);
      CHECK(report.in_place == 1);
      CHECK(report.view_anon_kib < object_kib / 4);
      if (bytes->size() >= (32u << 20)) CHECK(report.read_shmem_kib >= object_kib / 2);
      const auto end = child.wait();
      CHECK(end.exited);
      CHECK(end.code == 0);
      s.release({1, i + 1});
    }
  }

  TEST_CASE("a process fills an object the store created for it and the store reads it after seal" *
            doctest::timeout(120)) {
    auto memory = shm_arena(16 << 20);
    store s(memory);
    const object_id id{2, 1};
    const std::uint64_t size = 5 << 20;
    auto data = s.create(id, size);
    REQUIRE(data.has_value());
    std::memset(*data, 0, size);
    child_process child({child_program(), "fill", memory->shm_name(), std::to_string(memory->offset_of(*data)),
                         std::to_string(size), "77"});
    REQUIRE(child.started());
    CHECK(child.line() == std::optional<std::string>("filled"));
    const auto end = child.wait();
    REQUIRE(end.exited);
    REQUIRE(end.code == 0);
    REQUIRE(s.seal(id) == errc::ok);
    auto bytes = s.get(id);
    REQUIRE(bytes.has_value());
    CHECK(object_store_test::has_pattern(*bytes, 77));
    s.release(id);
  }

  TEST_CASE("attaching a name that does not exist is not_found in this process and in another" *
            doctest::timeout(60)) {
    const auto missing = object_store_test::unique_shm_name();
    auto here = attached_arena::attach(missing);
    REQUIRE_FALSE(here.has_value());
    CHECK(here.error() == errc::not_found);
    CHECK(attached_arena::attach(missing, access_mode::read_write).error() == errc::not_found);

    child_process child({child_program(), "attach", missing});
    REQUIRE(child.started());
    CHECK(child.line() == std::optional<std::string>("not_found"));
    CHECK(child.wait().code == 0);
  }

  TEST_CASE("malformed names are invalid arguments") {
    for (const std::string bad : {"no-slash", "/", "/a/b", ""})
      CHECK(attached_arena::attach(bad).error() == errc::invalid_argument);
  }

  TEST_CASE("ranges outside the segment are refused and so are writes through a read-only view") {
    auto memory = shm_arena(1 << 20);
    auto ro = attached_arena::attach(memory->shm_name());
    REQUIRE(ro.has_value());
    CHECK(ro->size() == memory->capacity());
    CHECK(ro->mode() == access_mode::read_only);
    CHECK(ro->name() == memory->shm_name());
    CHECK(ro->read(0, memory->capacity()).has_value());
    CHECK(ro->read(memory->capacity(), 0).has_value());
    CHECK(ro->read(memory->capacity(), 1).error() == errc::invalid_argument);
    CHECK(ro->read(1, memory->capacity()).error() == errc::invalid_argument);
    CHECK(ro->read(~0ull, 2).error() == errc::invalid_argument);  // offset + size overflows
    CHECK(ro->read(64, ~0ull).error() == errc::invalid_argument);
    CHECK(ro->write(0, 1).error() == errc::read_only);

    auto rw = attached_arena::attach(memory->shm_name(), access_mode::read_write);
    REQUIRE(rw.has_value());
    CHECK(rw->write(memory->capacity(), 1).error() == errc::invalid_argument);
    auto block = memory->allocate(100);
    REQUIRE(block);
    auto dest = rw->write(block->offset, 100);
    REQUIRE(dest.has_value());
    std::memcpy(dest->data(), "through the attachment", 23);
    CHECK(std::strcmp(reinterpret_cast<const char*>(block->data), "through the attachment") == 0);
    // The read-only view sees the same pages.
    CHECK(std::memcmp(ro->read(block->offset, 23)->data(), "through the attachment", 23) == 0);
  }

  TEST_CASE("an attachment keeps its pages after the arena and its name are gone") {
    auto memory = shm_arena(1 << 20);
    auto block = memory->allocate(4096);
    REQUIRE(block);
    object_store_test::fill_pattern({block->data, 4096}, 5);
    const auto offset = block->offset;
    const auto name = memory->shm_name();
    auto view = attached_arena::attach(name);
    REQUIRE(view.has_value());
    memory->deallocate(*block);
    memory.reset();  // unmaps and unlinks the name
    CHECK(attached_arena::attach(name).error() == errc::not_found);
    CHECK(object_store_test::has_pattern(*view->read(offset, 4096), 5));
  }

  TEST_CASE("an attachment moves and the moved-from one is empty") {
    auto memory = shm_arena(1 << 20);
    auto first = attached_arena::attach(memory->shm_name());
    REQUIRE(first.has_value());
    const auto* base = first->base();
    attached_arena second = std::move(*first);
    CHECK(second.base() == base);
    CHECK(first->base() == nullptr);
    CHECK(first->read(0, 0).error() == errc::invalid_argument);
    auto third = attached_arena::attach(memory->shm_name());
    REQUIRE(third.has_value());
    second = std::move(*third);  // unmaps what second held
    CHECK(second.base() != nullptr);
    CHECK(second.read(0, 64).has_value());
  }
}
