#pragma once
/// expected<T, E>: a value or an error, for errors that travel as values inside the runtime and
/// on the wire (g++ 12 has no std::expected).
///
///     actors::expected<int, errc> parse(std::string_view s);
///     if (auto v = parse("42")) use(*v); else log(to_string(v.error()));
///
/// A value type; not synchronised.

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace actors {

template <class E>
struct unexpected {
  E error;
};
template <class E>
unexpected(E) -> unexpected<E>;

namespace detail {
/// Using the wrong alternative is a bug in the caller, not an error to recover from.
[[noreturn]] inline void bad_expected_access(const char* what) noexcept {
  std::fprintf(stderr, "actors: bug: %s\n", what);
  std::abort();
}
}  // namespace detail

template <class T, class E>
class expected {
 public:
  expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  expected(unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return check(), std::get<0>(v_); }
  const T& value() const& { return check(), std::get<0>(v_); }
  T&& value() && { return check(), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const {
    if (has_value()) detail::bad_expected_access("expected::error() called on a value");
    return std::get<1>(v_);
  }

 private:
  void check() const {
    if (!has_value()) detail::bad_expected_access("expected::value() called on an error");
  }
  std::variant<T, E> v_;
};

template <class E>
class expected<void, E> {
 public:
  expected() = default;
  expected(unexpected<E> e) : error_(std::move(e.error)), failed_(true) {}

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (failed_) detail::bad_expected_access("expected::value() called on an error");
  }
  const E& error() const {
    if (!failed_) detail::bad_expected_access("expected::error() called on a value");
    return error_;
  }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace actors
