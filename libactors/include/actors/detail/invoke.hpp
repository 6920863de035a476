#pragma once
/// How a call's arguments are held until it runs and passed when it does. Each parameter gets a
/// slot holding either the argument converted to the parameter's decayed type, or an object_ref
/// resolved to that type just before the call. Compile-time checks give readable messages.

#include <actors/detail/arguments.hpp>
#include <actors/detail/function_traits.hpp>
#include <actors/detail/job.hpp>
#include <actors/object_ref.hpp>

#include <array>
#include <optional>
#include <tuple>
#include <utility>

namespace actors::detail {

/// Holds an argument by value, converted to the parameter's decayed type.
template <class P, class A>
struct arg_slot {
  using value_type = std::remove_cvref_t<P>;
  template <class X>
  explicit arg_slot(X&& x) : value(std::forward<X>(x)) {}
  cell* dependency() const noexcept { return nullptr; }
  void prepare() {}
  value_type& get() noexcept { return value; }
  void encode(writer& w) const { write_argument(w, value); }
  value_type value;
};

/// Holds an object_ref<U> for a parameter of type U: resolved to its value before the call.
template <class P, class U>
  requires(!is_object_ref_v<P>)
struct arg_slot<P, object_ref<U>> {
  using value_type = std::remove_cvref_t<P>;
  template <class X>
  explicit arg_slot(X&& x) : ref(std::forward<X>(x)) {
    if (!ref) throw error("actors: a null object_ref was passed as an argument");
  }
  cell* dependency() const noexcept { return ref.cell().get(); }
  void prepare() { value.emplace(load(*ref.cell())); }
  value_type& get() noexcept { return *value; }
  /// The resolved value, converted to the parameter's type as a local call would.
  void encode(writer& w) const {
    const auto& c = *ref.cell();
    if (!c.complete() || c.failed())
      throw error("actors: an argument was sent to another process before it was ready");
    if constexpr (std::is_same_v<U, value_type>)
      if (write_stored_argument(w, c)) return;  // a large array in the node's store goes as it lies
    write_argument(w, value_type(load(c)));
  }
  object_ref<U> ref;
  std::optional<value_type> value;
};

template <class P, class A>
constexpr bool check_argument() {
  using V = std::remove_cvref_t<P>;
  using D = std::remove_cvref_t<A>;
  static_assert(require_serializable<V>(),
                "actors: a parameter type cannot cross between processes (see the note naming it)");
  if constexpr (is_object_ref_v<D> && !is_object_ref_v<V>) {
    using U = typename D::value_type;
    static_assert(std::is_convertible_v<U, V>,
                  "actors: an object_ref argument's value type does not convert to the parameter type");
  } else {
    static_assert(std::is_convertible_v<A, V>,
                  "actors: an argument does not convert to the parameter type");
  }
  return true;
}

template <class Params, class... Args>
struct call_check;
template <class... Ps, class... Args>
struct call_check<type_list<Ps...>, Args...> {
  static_assert(sizeof...(Ps) == sizeof...(Args),
                "actors: wrong number of arguments for the remote function");
  static constexpr bool ok = (check_argument<Ps, Args>() && ...);
};

template <class Params, class... Args>
struct slots_for;
template <class... Ps, class... Args>
struct slots_for<type_list<Ps...>, Args...> {
  using type = std::tuple<arg_slot<Ps, std::remove_cvref_t<Args>>...>;
};

/// Passes a slot's value as the parameter P expects: lvalue for reference parameters (the task's
/// own copy), rvalue otherwise.
template <class P, class V>
decltype(auto) pass(V& v) noexcept {
  if constexpr (std::is_lvalue_reference_v<P>) {
    return static_cast<V&>(v);
  } else {
    return static_cast<V&&>(v);
  }
}

template <class Slots, std::size_t... I>
std::array<cell*, sizeof...(I)> dependencies_of(const Slots& slots, std::index_sequence<I...>) {
  return {std::get<I>(slots).dependency()...};
}

/// Collects the non-null dependencies of a slot tuple.
template <class Slots>
std::vector<cell*> dependency_list(const Slots& slots) {
  auto all = dependencies_of(slots, std::make_index_sequence<std::tuple_size_v<Slots>>{});
  std::vector<cell*> deps;
  for (auto* c : all)
    if (c) deps.push_back(c);
  return deps;
}

/// Writes a call's arguments: their count, then each slot (detail/arguments.hpp).
template <class Slots>
void encode_slots(writer& w, const Slots& slots) {
  w.write_pod(static_cast<std::uint32_t>(std::tuple_size_v<Slots>));
  std::apply([&](const auto&... s) { (s.encode(w), ...); }, slots);
}

/// Reads a result of type R that must fill the whole answer.
template <class R>
R decode_result(reader& r, const std::string& function) {
  R value = decode<R>(r);
  if (r.remaining() != 0)
    throw error("actors: the result of " + function + " has " + std::to_string(r.remaining()) +
                " bytes left over: the worker's function returns another type");
  return value;
}

/// A task or method call with its arguments and its result cell. `Self` is the actor's class
/// for method calls (the instance is stored as that type, which may derive from the class that
/// declares the method), void for tasks.
template <class Self, class F, class R, class Slots>
class call_job final : public job {
 public:
  template <class... Args>
  call_job(F f, const std::string& name, std::shared_ptr<value_cell<R>> result, Args&&... args)
      : f_(f), name_(name), result_(std::move(result)), slots_(std::forward<Args>(args)...) {}

  void run() noexcept override {
    auto deps = dependency_list(slots_);
    if (auto failed = first_failure(deps)) return abandon(failed);
    for (int attempt = 0;; ++attempt) {
      try {
        // A call that may be retried runs on a copy of its arguments: the function may move
        // from or change them, and the next attempt needs them as they were.
        if constexpr (std::is_copy_constructible_v<Slots>) {
          if (exception_retries_ != 0) {
            Slots attempt_slots = slots_;
            return call(attempt_slots);
          }
        }
        return call(slots_);
      } catch (...) {
        if (exception_retries_ == 0 || (exception_retries_ > 0 && attempt >= exception_retries_)) {
          auto e = wrap_user_exception(std::current_exception(), name_);
          finishing();
          result_->set_exception(std::move(e));
          return;
        }
      }
    }
  }
  /// Lets user exceptions be retried: `n` more attempts, -1 without limit (tasks only).
  void set_exception_retries(int n) noexcept { exception_retries_ = n; }
  void abandon(std::exception_ptr e) noexcept override { result_->set_exception(std::move(e)); }
  const std::string& name() const noexcept override { return name_; }
  const char* signature() const noexcept override { return typeid(F).name(); }
  void encode_arguments(writer& w) const override { encode_slots(w, slots_); }
  void accept_result(reader& r) override {
    if constexpr (std::is_void_v<R>) {
      if (r.remaining() != 0) throw error("actors: " + name_ + " returns nothing but the worker answered a value");
      result_->set_value();
    } else {
      result_->set_value(decode_result<R>(r, name_));
    }
  }
  void accept_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) override {
    if constexpr (!std::is_void_v<R>) {
      if constexpr (value_cell<R>::stores_array()) return result_->adopt_stored(encoded, owner);
    }
    reader r(encoded);
    accept_result(r);
  }
  std::vector<cell*> dependencies() const override { return dependency_list(slots_); }
  std::shared_ptr<cell> swap_result(std::shared_ptr<cell> next) override {
    auto old = std::move(result_);
    result_ = std::static_pointer_cast<value_cell<R>>(std::move(next));
    return old;
  }
  std::shared_ptr<cell> new_result_cell() const override { return std::make_shared<value_cell<R>>(); }
  const Slots& slots() const noexcept { return slots_; }

 private:
  void call(Slots& slots) {
    std::apply([](auto&... s) { (s.prepare(), ...); }, slots);
    if constexpr (std::is_void_v<R>) {
      invoke(slots, std::make_index_sequence<std::tuple_size_v<Slots>>{});
      finishing();
      result_->set_value();
    } else {
      auto value = invoke(slots, std::make_index_sequence<std::tuple_size_v<Slots>>{});
      finishing();
      result_->set_value(std::move(value));
    }
  }

  // Only tasks return to the scheduler after one call; an actor's mailbox drain goes on.
  static void finishing() noexcept {
    if constexpr (std::is_void_v<Self>) task_finishing();
  }

  template <std::size_t... I>
  decltype(auto) invoke(Slots& slots, std::index_sequence<I...>) {
    using traits = function_traits<F>;
    return invoke_with(slots, typename traits::params{}, std::index_sequence<I...>{});
  }
  template <class... Ps, std::size_t... I>
  decltype(auto) invoke_with(Slots& slots, type_list<Ps...>, std::index_sequence<I...>) {
    if constexpr (!std::is_void_v<Self>) {
      auto* self = static_cast<Self*>(current_actor_instance());
      if constexpr (function_traits<F>::rvalue_qualified)
        return (std::move(*self).*f_)(pass<Ps>(std::get<I>(slots).get())...);
      else
        return (self->*f_)(pass<Ps>(std::get<I>(slots).get())...);
    } else {
      return f_(pass<Ps>(std::get<I>(slots).get())...);
    }
  }

  F f_;
  const std::string& name_;
  std::shared_ptr<value_cell<R>> result_;
  Slots slots_;
  int exception_retries_ = 0;
};

/// Builds the job for calling `f` with `args` (on an actor of class Self, or as a task when Self
/// is void), returning it with its result ref.
template <class Self, class F, class... Args>
auto make_call(F f, const std::string& name, Args&&... args) {
  using traits = function_traits<F>;
  using R = result_of_t<F>;
  static_assert(call_check<typename traits::params, Args...>::ok);
  static_assert(require_serializable<R>(),
                "actors: the function's result type cannot cross between processes");
  using slots = typename slots_for<typename traits::params, Args...>::type;
  auto result = new_cell<R>();
  auto job = std::make_unique<call_job<Self, F, R, slots>>(f, name, result, std::forward<Args>(args)...);
  return std::pair{std::move(job), object_ref<R>(std::move(result))};
}

}  // namespace actors::detail
