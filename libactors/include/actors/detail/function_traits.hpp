#pragma once
/// What a registered callable looks like: result, parameters, and for member functions the
/// class and qualifiers. Covers free/static functions and member functions with any const,
/// reference or noexcept qualifier.

#include <actors/codec.hpp>

namespace actors::detail {

template <class F>
struct function_traits;

template <class R, class... A>
struct function_traits<R (*)(A...)> {
  using result = R;
  using params = type_list<A...>;
  using object = void;
  static constexpr std::size_t arity = sizeof...(A);
};
template <class R, class... A>
struct function_traits<R (*)(A...) noexcept> : function_traits<R (*)(A...)> {};

// RVALUE: the method is &&-qualified, so it must be called on an rvalue of the actor.
#define ACTORS_DETAIL_MEMBER_TRAITS(QUALIFIERS, RVALUE)         \
  template <class R, class C, class... A>                       \
  struct function_traits<R (C::*)(A...) QUALIFIERS> {           \
    using result = R;                                           \
    using params = type_list<A...>;                             \
    using object = C;                                           \
    static constexpr std::size_t arity = sizeof...(A);          \
    static constexpr bool rvalue_qualified = RVALUE;            \
  };
ACTORS_DETAIL_MEMBER_TRAITS(, false)
ACTORS_DETAIL_MEMBER_TRAITS(const, false)
ACTORS_DETAIL_MEMBER_TRAITS(&, false)
ACTORS_DETAIL_MEMBER_TRAITS(const&, false)
ACTORS_DETAIL_MEMBER_TRAITS(&&, true)
ACTORS_DETAIL_MEMBER_TRAITS(const&&, true)
ACTORS_DETAIL_MEMBER_TRAITS(noexcept, false)
ACTORS_DETAIL_MEMBER_TRAITS(const noexcept, false)
ACTORS_DETAIL_MEMBER_TRAITS(& noexcept, false)
ACTORS_DETAIL_MEMBER_TRAITS(const& noexcept, false)
ACTORS_DETAIL_MEMBER_TRAITS(&& noexcept, true)
ACTORS_DETAIL_MEMBER_TRAITS(const&& noexcept, true)
#undef ACTORS_DETAIL_MEMBER_TRAITS

template <class F>
using result_of_t = std::remove_cvref_t<typename function_traits<F>::result>;

template <class F>
inline constexpr bool is_member_v = !std::is_void_v<typename function_traits<F>::object>;

}  // namespace actors::detail
