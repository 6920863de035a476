// expected<T, E>: the error-as-value type of the runtime.
#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <doctest/doctest.h>

#include <string>

using actors::expected;
using actors::unexpected;
using actors::object_store::errc;

namespace {
expected<int, errc> half(int x) {
  if (x % 2) return unexpected{errc::invalid_argument};
  return x / 2;
}
expected<void, errc> check(bool ok) {
  if (!ok) return unexpected{errc::not_found};
  return {};
}
}  // namespace

TEST_SUITE("expected") {
  TEST_CASE("holds a value or an error") {
    auto v = half(8);
    REQUIRE(v);
    CHECK(*v == 4);
    auto e = half(3);
    CHECK_FALSE(e);
    CHECK(e.error() == errc::invalid_argument);
    expected<std::string, errc> s = std::string("text");
    CHECK(s->size() == 4);
    CHECK(std::move(s).value() == "text");
  }
  TEST_CASE("expected<void> says only whether it worked") {
    CHECK(check(true).has_value());
    CHECK(check(false).error() == errc::not_found);
  }
}
