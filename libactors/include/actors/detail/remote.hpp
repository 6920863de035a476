#pragma once
/// Calls that cross processes. In cluster mode a worker knows a function only by the name it
/// was registered under and its signature (its mangled type); ACTORS_REMOTE makes, for every
/// callable, a remote_entry that runs it on encoded arguments (detail/arguments.hpp) and
/// encodes its result. Workers run the driver's own executable, so caller and worker
/// instantiate the same templates.
///
///     writer args;  job->encode_arguments(args);                          // caller
///     const remote_entry& e = find_remote(job->name(), job->signature()); // worker
///     reader in(args.bytes());  writer out;  e.invoke(e, in, out, instance);
///     reader answer(out.bytes());  job->accept_result(answer);            // caller
///
/// A function whose parameters or result cannot cross has no invoker (its call sites are
/// compile errors already); a factory's entry has `construct` instead, or as well.

#include <actors/detail/function_traits.hpp>
#include <actors/detail/invoke.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>

namespace actors::detail {

/// A callable's identity: its pointer bits (16 bytes covers member function pointers) and type.
struct function_key {
  std::array<std::uint64_t, 2> bits{};
  const std::type_info* type = nullptr;
  friend bool operator==(const function_key& a, const function_key& b) noexcept {
    return a.bits == b.bits && *a.type == *b.type;
  }
};

template <class F>
function_key key_of(F f) noexcept {
  static_assert(sizeof(F) <= sizeof(function_key::bits), "unexpected function pointer size");
  function_key k;
  std::memcpy(k.bits.data(), &f, sizeof f);
  k.type = &typeid(F);
  return k;
}

template <class F>
F callable_of(const function_key& k) noexcept {
  F f;
  std::memcpy(&f, k.bits.data(), sizeof f);
  return f;
}

/// The class a factory's result makes: C for C, C* and std::unique_ptr<C>, and how the runtime
/// takes ownership of it.
template <class R>
struct actor_class {
  using type = R;
  static std::shared_ptr<void> own(R&& r) { return std::make_shared<R>(std::move(r)); }
};
template <class C>
struct actor_class<C*> {
  using type = C;
  static std::shared_ptr<void> own(C* p) {
    if (!p) throw error("actors: the actor factory returned a null pointer");
    return std::shared_ptr<C>(p);
  }
};
template <class C, class D>
struct actor_class<std::unique_ptr<C, D>> {
  using type = C;
  static std::shared_ptr<void> own(std::unique_ptr<C, D>&& p) {
    if (!p) throw error("actors: the actor factory returned a null pointer");
    return std::shared_ptr<C>(std::move(p));
  }
};

struct remote_entry {
  std::string name;  // as registered: what a call names on the wire
  function_key key;  // the callable; key.type->name() is its signature on the wire
  /// Runs the callable on encoded arguments and appends its encoded result (nothing for void).
  /// `self` is the actor instance for methods, unused otherwise. Throws what the callable
  /// throws, or actors::error for arguments that do not decode. Null when it cannot cross.
  void (*invoke)(const remote_entry& self_entry, reader& args, writer& result, void* self) = nullptr;
  /// Factories (results C, C* or std::unique_ptr<C>): runs the factory on encoded arguments
  /// and returns the instance. Null for anything else.
  std::shared_ptr<void> (*construct)(const remote_entry& self_entry, reader& args) = nullptr;
  /// Methods: the class that declares them, which `self` must point to. Factories: the class
  /// of the instance they make. Null for plain functions.
  const std::type_info* object_type = nullptr;

  const char* signature() const noexcept { return key.type->name(); }
};

template <class R>
inline constexpr bool makes_actor_v = std::is_class_v<R> && !is_serializable_v<R>;
template <class C>
inline constexpr bool makes_actor_v<C*> = std::is_class_v<C>;
template <class C, class D>
inline constexpr bool makes_actor_v<std::unique_ptr<C, D>> = true;

template <class... Ps>
constexpr bool all_cross(type_list<Ps...>) {
  return (is_serializable_v<std::remove_cvref_t<Ps>> && ...);
}

/// Reads the argument count and checks it against the callable's arity.
void check_argument_count(reader& args, std::size_t arity, const std::string& function);

/// Builds the entry of a callable of type F.
template <class F>
class remote_binding {
 public:
  using traits = function_traits<F>;
  using R = result_of_t<F>;
  using params = typename traits::params;

  static remote_entry make(const function_key& key, std::string name) {
    remote_entry e;
    e.name = std::move(name);
    e.key = key;
    if constexpr (all_cross(params{}) && (std::is_void_v<R> || is_serializable_v<R>)) e.invoke = &invoke;
    if constexpr (is_member_v<F>) {
      e.object_type = &typeid(typename traits::object);
    } else if constexpr (all_cross(params{}) && makes_actor_v<R>) {
      e.construct = &construct;
      e.object_type = &typeid(typename actor_class<R>::type);
    }
    return e;
  }

 private:
  static constexpr auto indices() { return std::make_index_sequence<traits::arity>{}; }

  template <class... Ps, std::size_t... I>
  static auto decode(const remote_entry& entry, reader& args, type_list<Ps...>, std::index_sequence<I...>) {
    check_argument_count(args, sizeof...(Ps), entry.name);
    // Braced initialisation evaluates left to right: the arguments are read in order.
    return std::tuple<std::remove_cvref_t<Ps>...>{read_argument<std::remove_cvref_t<Ps>>(args, I, entry.name)...};
  }

  template <class Values, class... Ps, std::size_t... I>
  static decltype(auto) call(F f, void* self, Values& values, type_list<Ps...>, std::index_sequence<I...>) {
    if constexpr (is_member_v<F>) {
      auto* object = static_cast<typename traits::object*>(self);
      if constexpr (traits::rvalue_qualified)
        return (std::move(*object).*f)(pass<Ps>(std::get<I>(values))...);
      else
        return (object->*f)(pass<Ps>(std::get<I>(values))...);
    } else {
      return f(pass<Ps>(std::get<I>(values))...);
    }
  }

  static void invoke(const remote_entry& entry, reader& args, writer& result, void* self) {
    auto values = decode(entry, args, params{}, indices());
    F f = callable_of<F>(entry.key);
    if constexpr (std::is_void_v<R>) {
      call(f, self, values, params{}, indices());
    } else {
      const R& value = call(f, self, values, params{}, indices());
      encode(result, value);
    }
  }

  static std::shared_ptr<void> construct(const remote_entry& entry, reader& args) {
    if constexpr (!is_member_v<F> && makes_actor_v<R>) {
      auto values = decode(entry, args, params{}, indices());
      return actor_class<R>::own(call(callable_of<F>(entry.key), nullptr, values, params{}, indices()));
    } else {
      return nullptr;
    }
  }
};

}  // namespace actors::detail
