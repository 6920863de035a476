// object_id (printing, ordering, hashing) and the error codes' names.
#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <unordered_set>
#include <vector>

using namespace actors::object_store;

TEST_SUITE("object_id") {
  TEST_CASE("prints as 32 lowercase hex digits with hi before lo") {
    CHECK(to_string(object_id{}) == std::string(32, '0'));
    CHECK(to_string(object_id{0x1, 0xabc}) == "0000000000000001" "0000000000000abc");
    CHECK(to_string(object_id{0xfedcba9876543210, 0x0123456789abcdef}) ==
          "fedcba9876543210" "0123456789abcdef");
    std::ostringstream os;
    os << object_id{0, 255};
    CHECK(os.str() == "000000000000000000000000000000ff");
  }

  TEST_CASE("only the all-zero id is nil") {
    CHECK(object_id{}.nil());
    CHECK_FALSE(object_id{0, 1}.nil());
    CHECK_FALSE(object_id{1, 0}.nil());
  }

  TEST_CASE("ids compare by hi and then by lo") {
    CHECK(object_id{1, 2} == object_id{1, 2});
    CHECK(object_id{1, 2} != object_id{2, 1});
    CHECK(object_id{1, 9} < object_id{2, 0});
    CHECK(object_id{1, 2} < object_id{1, 3});
    std::set<object_id> ordered{{2, 0}, {1, 5}, {1, 1}};
    CHECK(*ordered.begin() == object_id{1, 1});
  }

  TEST_CASE("ids that differ in one word hash apart and spread over the low bits") {
    std::hash<object_id> h;
    CHECK(h(object_id{1, 2}) == h(object_id{1, 2}));
    CHECK(h(object_id{1, 2}) != h(object_id{2, 1}));  // the words are not simply combined
    std::unordered_set<std::size_t> hashes;
    std::vector<int> buckets(1024);
    constexpr int n = 100000;
    for (std::uint64_t i = 0; i < n; ++i) {
      hashes.insert(h(object_id{42, i}));
      hashes.insert(h(object_id{i, 42}));
      ++buckets[h(object_id{42, i}) % buckets.size()];
    }
    CHECK(hashes.size() == 2 * n - 1);  // {42, 42} is in both halves
    // A counter in `lo` must fill every bucket of a table about evenly (mean ~98 here).
    CHECK(*std::min_element(buckets.begin(), buckets.end()) > 40);
    CHECK(*std::max_element(buckets.begin(), buckets.end()) < 200);
  }
}

TEST_SUITE("errc") {
  TEST_CASE("codes keep their numbers and have distinct names") {
    CHECK(static_cast<int>(errc::ok) == 0);
    CHECK(static_cast<int>(errc::out_of_memory) == 1);
    CHECK(static_cast<int>(errc::already_exists) == 2);
    CHECK(static_cast<int>(errc::not_found) == 3);
    CHECK(static_cast<int>(errc::not_sealed) == 4);
    CHECK(static_cast<int>(errc::already_sealed) == 5);
    CHECK(static_cast<int>(errc::map_failed) == 6);
    CHECK(static_cast<int>(errc::invalid_argument) == 7);
    CHECK(static_cast<int>(errc::pinned) == 8);
    CHECK(static_cast<int>(errc::too_large) == 9);
    CHECK(static_cast<int>(errc::disk_full) == 10);
    CHECK(static_cast<int>(errc::io_error) == 11);
    CHECK(static_cast<int>(errc::read_only) == 12);
    CHECK(static_cast<int>(errc::permission_denied) == 13);
    CHECK(static_cast<int>(errc::chunk_out_of_range) == 14);
    CHECK(static_cast<int>(errc::chunk_duplicate) == 15);
    CHECK(static_cast<int>(errc::chunk_size_mismatch) == 16);
    CHECK(static_cast<int>(errc::cancelled) == 17);
    std::set<std::string_view> names;
    for (int i = 0; i <= 17; ++i) names.insert(to_string(static_cast<errc>(i)));
    CHECK(names.size() == 18);
    CHECK_FALSE(names.contains("unknown"));
    CHECK(to_string(errc::out_of_memory) == "out_of_memory");
    CHECK(to_string(static_cast<errc>(200)) == "unknown");
  }
}
