// expected<T, E>: how the runtime returns a value or an error.
#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <memory>
#include <string>

using actors::expected;
using actors::unexpected;
using actors::object_store::errc;

namespace {

expected<int, errc> half(int x) {
  if (x % 2 != 0) return unexpected(errc::invalid_argument);
  return x / 2;
}

expected<void, errc> must_be_positive(int x) {
  if (x <= 0) return unexpected(errc::invalid_argument);
  return {};
}

}  // namespace

TEST_SUITE("expected") {
  TEST_CASE("a value is there to read") {
    auto r = half(8);
    REQUIRE(r.has_value());
    CHECK(static_cast<bool>(r));
    CHECK(*r == 4);
    CHECK(r.value() == 4);
    CHECK(r.value_or(-1) == 4);
  }

  TEST_CASE("an error says which") {
    auto r = half(3);
    CHECK_FALSE(r.has_value());
    CHECK_FALSE(r);
    CHECK(r.error() == errc::invalid_argument);
    CHECK(r.value_or(-1) == -1);
  }

  TEST_CASE("values convert on the way in and move out") {
    expected<std::string, errc> s = "text";  // from const char*
    CHECK(s->size() == 4);
    CHECK(std::move(s).value() == "text");

    expected<std::unique_ptr<int>, errc> p = std::make_unique<int>(7);
    std::unique_ptr<int> taken = *std::move(p);
    REQUIRE(taken);
    CHECK(*taken == 7);
  }

  TEST_CASE("unexpected deduces its type and converts to the error type") {
    auto u = unexpected(errc::not_found);
    static_assert(std::is_same_v<decltype(u), unexpected<errc>>);
    CHECK(u.error() == errc::not_found);
    expected<int, std::string> r = unexpected("no such thing");  // const char* -> std::string
    CHECK(r.error() == "no such thing");
  }

  TEST_CASE("value and error may have the same type") {
    expected<int, int> ok = 1;
    expected<int, int> failed = unexpected(2);
    CHECK(*ok == 1);
    CHECK(failed.error() == 2);
  }

  TEST_CASE("expected<void> tells only whether it worked") {
    CHECK(must_be_positive(1).has_value());
    must_be_positive(1).value();  // does nothing on success
    auto r = must_be_positive(0);
    CHECK_FALSE(r);
    CHECK(r.error() == errc::invalid_argument);
  }

  TEST_CASE("reading the value of an error is a bug that aborts and names the error" * doctest::timeout(30)) {
    auto out = object_store_test::run_in_child([] { (void)half(3).value(); });
    CHECK(out.signal == SIGABRT);
    CHECK(out.stderr_text.find("value() called on an error") != std::string::npos);
    CHECK(out.stderr_text.find("invalid_argument") != std::string::npos);

    auto void_out = object_store_test::run_in_child([] { must_be_positive(0).value(); });
    CHECK(void_out.signal == SIGABRT);
  }

  TEST_CASE("reading the error of a value is a bug that aborts" * doctest::timeout(30)) {
    auto out = object_store_test::run_in_child([] { (void)half(4).error(); });
    CHECK(out.signal == SIGABRT);
    CHECK(out.stderr_text.find("error() called on a value") != std::string::npos);
  }
}
