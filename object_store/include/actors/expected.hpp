#pragma once
/// expected<T, E>: the result of an operation that can fail, held as a value: a T, or an error
/// E. Errors inside the runtime and on the wire travel this way (g++ 12 has no std::expected).
///
///     actors::expected<int, errc> r = parse(text);
///     if (!r) return actors::unexpected(r.error());
///     use(*r);
///
/// A plain value type with no synchronisation of its own. Reading the wrong alternative (value()
/// of an error, error() of a value) is a bug in the caller: it prints what happened and aborts.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace actors {

/// An error on its way into an expected<T, E>: `return unexpected(errc::not_found);`.
template <class E>
class unexpected {
 public:
  explicit constexpr unexpected(E error) : error_(std::move(error)) {}
  constexpr const E& error() const& noexcept { return error_; }
  constexpr E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

namespace detail {
template <class X>
inline constexpr bool is_unexpected = false;
template <class E>
inline constexpr bool is_unexpected<unexpected<E>> = true;

/// Names the error too when E has a to_string (found by ADL), so the abort says what went wrong.
template <class E>
[[noreturn]] void expected_misuse(const char* what, const E* error) noexcept {
  std::fprintf(stderr, "actors: bug: %s", what);
  if constexpr (requires(const E& e) { to_string(e).data(); }) {
    if (error) {
      const auto& text = to_string(*error);
      std::fprintf(stderr, " (%.*s)", static_cast<int>(text.size()), text.data());
    }
  }
  std::fputc('\n', stderr);
  std::abort();
}
}  // namespace detail

template <class T, class E>
class expected {
  static_assert(!std::is_reference_v<T> && !detail::is_unexpected<std::remove_cv_t<T>>);

 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, expected> &&
             !detail::is_unexpected<std::remove_cvref_t<U>>)
  explicit(!std::is_convertible_v<U&&, T>) expected(U&& value)
      : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
    requires std::is_constructible_v<E, const G&>
  expected(const unexpected<G>& e) : state_(std::in_place_index<1>, e.error()) {}
  template <class G>
    requires std::is_constructible_v<E, G &&>
  expected(unexpected<G>&& e) : state_(std::in_place_index<1>, std::move(e).error()) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return check_value(), std::get<0>(state_); }
  const T& value() const& { return check_value(), std::get<0>(state_); }
  T&& value() && { return check_value(), std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

  const E& error() const& {
    if (has_value()) detail::expected_misuse<E>("expected::error() called on a value", nullptr);
    return std::get<1>(state_);
  }

 private:
  void check_value() const {
    if (!has_value()) detail::expected_misuse("expected::value() called on an error", &std::get<1>(state_));
  }
  std::variant<T, E> state_;  // index 0: the value, 1: the error (so T and E may be one type)
};

/// Success or an error, for operations that return nothing.
template <class E>
class expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  expected() noexcept = default;
  template <class G>
    requires std::is_constructible_v<E, const G&>
  expected(const unexpected<G>& e) : error_(e.error()) {}
  template <class G>
    requires std::is_constructible_v<E, G &&>
  expected(unexpected<G>&& e) : error_(std::move(e).error()) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (error_) detail::expected_misuse("expected::value() called on an error", &*error_);
  }
  const E& error() const& {
    if (!error_) detail::expected_misuse<E>("expected::error() called on a value", nullptr);
    return *error_;
  }

 private:
  std::optional<E> error_;
};

}  // namespace actors
