#pragma once
/// Registration of remote functions, factories and methods:
///
///     int add(int a, int b);
///     ACTORS_REMOTE(add, counter::create, &counter::increment, ACTORS_FUNC(scale, double))
///
/// Functions are registered under the name written in the macro and found again by address and
/// type, or, on a worker, by name and signature (detail/remote.hpp). ACTORS_REMOTE may appear
/// any number of times, in any source file at namespace scope, with or without a trailing
/// semicolon. The registry is filled during static initialisation and
/// read from any thread afterwards.

#include <actors/detail/remote.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace actors::detail {

/// Adds a callable; a second registration of the same callable keeps the first.
void register_function(remote_entry entry);

/// The registered name, or null.
const std::string* find_function(const function_key& key) noexcept;

/// On a worker: the entry a call names by its registered name and signature (a mangled type).
/// Throws actors::error when this program has no such function, has it with another
/// signature, or has two different functions registered under that name and signature.
const remote_entry& find_remote(const std::string& name, const std::string& signature);

/// Throws actors::error naming the unregistered function as well as the process can tell.
[[noreturn]] void throw_unregistered(const function_key& key);

/// The registered name of `f`; throws when `f` was never registered.
template <class F>
const std::string& registered_name(F f) {
  auto key = key_of(f);
  if (const auto* name = find_function(key)) return *name;
  throw_unregistered(key);
}

/// Splits the macro's argument text ("add, ACTORS_FUNC(f, int), &c::m") into display names
/// ("add", "f(int)", "&c::m").
std::vector<std::string> split_registration_list(std::string_view text);

template <class... Fs>
bool register_functions(const char* names, Fs... fs) {
  auto split = split_registration_list(names);
  std::size_t i = 0;
  (register_function(remote_binding<Fs>::make(key_of(fs), i < split.size() ? split[i++] : std::string("?"))), ...);
  return true;
}

/// Picks one overload by its parameter types; see ACTORS_FUNC.
template <class... A>
struct overload {
  template <class R>
  static constexpr auto of(R (*f)(A...)) { return f; }
  template <class R, class C>
  static constexpr auto of(R (C::*f)(A...)) { return f; }
  template <class R, class C>
  static constexpr auto of(R (C::*f)(A...) const) { return f; }
};

}  // namespace actors::detail

#define ACTORS_REMOTE(...)                                                                    \
  namespace {                                                                                 \
  [[maybe_unused]] const bool ACTORS_DETAIL_CAT(actors_registered_, __COUNTER__) =            \
      ::actors::detail::register_functions(#__VA_ARGS__, __VA_ARGS__);                        \
  }

/// Selects an overload by its parameter types: ACTORS_FUNC(f, int) or ACTORS_FUNC(&C::m, int).
#define ACTORS_FUNC(f, ...) (::actors::detail::overload<__VA_ARGS__>::of(f))

#ifndef ACTORS_DETAIL_CAT
#define ACTORS_DETAIL_CAT_(a, b) a##b
#define ACTORS_DETAIL_CAT(a, b) ACTORS_DETAIL_CAT_(a, b)
#endif
