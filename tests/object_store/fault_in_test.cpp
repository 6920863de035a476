// White-box: both ways of faulting pages in, including the fallback for kernels older than
// 5.14, which the arena's own tests never reach on a current kernel.
#include "prefaulter.hpp"  // object_store/src: private to the library

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <thread>

using actors::object_store::detail::fault_in;
using actors::object_store::detail::fault_method;

namespace {

struct mapping {
  explicit mapping(std::uint64_t n) : size(n) {
    void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base = static_cast<std::byte*>(p);
  }
  ~mapping() { ::munmap(base, size); }
  std::byte* base = nullptr;
  std::uint64_t size;
};

const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

}  // namespace

TEST_SUITE("arena") {
  TEST_CASE("both fault methods make every page resident and change no byte") {
    mapping m(256 * page);
    // Some pages hold data already, as they would while an object is being written.
    m.base[0] = std::byte{42};
    m.base[100 * page + 7] = std::byte{7};
    auto how = fault_method::touch;
    SUBCASE("populate") { how = fault_method::populate; }
    SUBCASE("touch") {}
    REQUIRE(fault_in(m.base, m.size, how));
    CHECK(object_store_test::resident_pages(m.base, m.size) == 256);
    CHECK(m.base[0] == std::byte{42});
    CHECK(m.base[100 * page + 7] == std::byte{7});
    CHECK(m.base[1] == std::byte{0});
    CHECK(m.base[255 * page] == std::byte{0});
  }

  TEST_CASE("faulting a part of a region leaves the rest alone") {
    mapping m(64 * page);
    auto how = fault_method::touch;
    REQUIRE(fault_in(m.base + 8 * page, 16 * page, how));
    CHECK(object_store_test::resident_pages(m.base, 8 * page) == 0);
    CHECK(object_store_test::resident_pages(m.base + 8 * page, 16 * page) == 16);
    CHECK(object_store_test::resident_pages(m.base + 24 * page, 40 * page) == 0);
  }

  TEST_CASE("faulting pages in while another thread writes them loses none of its bytes" *
            doctest::timeout(120)) {
    mapping m(1024 * page);
    std::atomic<bool> writing{true};
    std::thread writer([&] {
      for (int round = 0; round < 20; ++round) std::memset(m.base, round, m.size);
      std::memset(m.base, 0x5a, m.size);
      writing = false;
    });
    auto how = fault_method::populate;
    int passes = 0;
    while (writing || passes < 3) {
      REQUIRE(fault_in(m.base, m.size, how));
      ++passes;
    }
    writer.join();
    std::uint64_t wrong = 0;
    for (std::uint64_t i = 0; i < m.size; ++i) wrong += m.base[i] != std::byte{0x5a};
    CHECK(wrong == 0);
  }
}
