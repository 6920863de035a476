#pragma once
/// Stateful actors:
///
///     actor_handle<counter> c = actors::actor(counter::create).set_name("c1").remote(0);
///     object_ref<int> v = c.task(&counter::increment).remote();
///
/// Calls from one caller to one actor run in submission order. Handles are cheap to copy and
/// safe to use from any thread; builders are short-lived values used on one thread.

#include <actors/detail/invoke.hpp>
#include <actors/registry.hpp>

#include <optional>

namespace actors {

template <class C>
class actor_handle;

namespace detail {
/// Runs an actor's factory and installs the instance it makes.
template <class F, class Slots>
class factory_job final : public job {
 public:
  using R = result_of_t<F>;
  template <class... Args>
  factory_job(F f, const std::string& name, Args&&... args)
      : f_(f), name_(name), slots_(std::forward<Args>(args)...) {}

  void run() noexcept override {
    auto deps = dependency_list(slots_);
    if (auto failed = first_failure(deps)) return current_actor_failed(failed);
    try {
      std::apply([](auto&... s) { (s.prepare(), ...); }, slots_);
      set_current_actor_instance(actor_class<R>::own(construct(typename function_traits<F>::params{},
                                                               std::make_index_sequence<std::tuple_size_v<Slots>>{})));
    } catch (...) {
      current_actor_failed(wrap_user_exception(std::current_exception(), name_));
    }
  }
  /// The runtime marks the actor dead itself when it abandons its factory.
  void abandon(std::exception_ptr) noexcept override {}
  const std::string& name() const noexcept override { return name_; }
  const char* signature() const noexcept override { return typeid(F).name(); }
  void encode_arguments(writer& w) const override { encode_slots(w, slots_); }
  const Slots& slots() const noexcept { return slots_; }

 private:
  template <class... Ps, std::size_t... I>
  R construct(type_list<Ps...>, std::index_sequence<I...>) {
    return f_(pass<Ps>(std::get<I>(slots_).get())...);
  }
  F f_;
  const std::string& name_;
  Slots slots_;
};
}  // namespace detail

/// Builds a call of one actor method.
template <class C, class M>
class actor_call_builder {
 public:
  actor_call_builder(std::shared_ptr<detail::actor_token> actor, M m)
      : actor_(std::move(actor)), m_(m), name_(&detail::registered_name(m)) {}

  template <class... Args>
  auto remote(Args&&... args) {
    auto [job, ref] = detail::make_call<C>(m_, *name_, std::forward<Args>(args)...);
    auto deps = detail::dependency_list(job->slots());
    detail::submit_actor_call(*actor_, std::move(job), deps);
    return ref;
  }

 private:
  std::shared_ptr<detail::actor_token> actor_;
  M m_;
  const std::string* name_;
};

/// A reference to a live actor; copyable, serializable, and passable to tasks and other actors.
template <class C>
class actor_handle {
 public:
  actor_handle() = default;
  explicit actor_handle(std::shared_ptr<detail::actor_token> token) : token_(std::move(token)) {}

  /// Starts a call of a member function of C or of a base of C (virtual calls dispatch to the
  /// actor's dynamic type).
  template <class M>
    requires std::is_member_function_pointer_v<M> &&
             std::is_base_of_v<typename detail::function_traits<M>::object, C>
  actor_call_builder<C, M> task(M m) const {
    if (!token_) throw error("actors: call on an empty actor_handle");
    return actor_call_builder<C, M>(token_, m);
  }

  actor_id id() const noexcept { return token_ ? detail::id_of(*token_) : actor_id{}; }
  explicit operator bool() const noexcept { return token_ != nullptr; }
  friend bool operator==(const actor_handle& a, const actor_handle& b) noexcept { return a.id() == b.id(); }

  /// For the runtime's own use.
  const std::shared_ptr<detail::actor_token>& token() const noexcept { return token_; }

 private:
  std::shared_ptr<detail::actor_token> token_;
};

/// Builds an actor from a registered factory.
template <class F>
class actor_builder {
 public:
  using class_type = typename detail::actor_class<detail::result_of_t<F>>::type;

  explicit actor_builder(F f) : f_(f), name_(&detail::registered_name(f)) {}

  /// Makes the actor findable with get_actor<C>(name) in this namespace.
  actor_builder& set_name(std::string name) {
    options_.name = std::move(name);
    return *this;
  }
  /// Resources to place the actor and hold for its life; default: 1 CPU to place, 0 held.
  actor_builder& set_resources(std::map<std::string, double> resources) {
    options_.resources = std::move(resources);
    return *this;
  }
  actor_builder& set_max_restarts(int n) {
    options_.max_restarts = n;
    return *this;
  }
  actor_builder& set_max_task_retries(int n) {
    options_.max_task_retries = n;
    return *this;
  }
  /// How many calls may run at once; default 1.
  actor_builder& set_max_concurrency(int n) {
    if (n < 1) throw error("actors: max_concurrency must be at least 1");
    options_.max_concurrency = n;
    return *this;
  }
  actor_builder& set_lifetime(actors::lifetime l) {
    options_.lifetime = l;
    return *this;
  }
  actor_builder& set_dedicated_process(bool dedicated) {
    options_.dedicated_process = dedicated;
    return *this;
  }

  template <class... Args>
  actor_handle<class_type> remote(Args&&... args) {
    using traits = detail::function_traits<F>;
    static_assert(detail::call_check<typename traits::params, Args...>::ok);
    using slots = typename detail::slots_for<typename traits::params, Args...>::type;
    auto job = std::make_unique<detail::factory_job<F, slots>>(f_, *name_, std::forward<Args>(args)...);
    auto deps = detail::dependency_list(job->slots());
    return actor_handle<class_type>(
        detail::create_actor(std::move(job), options_, typeid(class_type), deps));
  }

 private:
  F f_;
  const std::string* name_;
  detail::actor_options options_;
};

/// Starts building an actor from a registered factory returning C, C* or std::unique_ptr<C>.
template <class F>
  requires std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>
actor_builder<F> actor(F factory) {
  return actor_builder<F>(factory);
}

/// The live actor named `name` in this driver's namespace, if any. Throws actors::error when
/// an actor of that name exists but is not a C.
template <class C>
std::optional<actor_handle<C>> get_actor(const std::string& name) {
  if (auto token = detail::find_named_actor(name, typeid(C))) return actor_handle<C>(std::move(token));
  return std::nullopt;
}

/// Ends the actor without restart; returns once it no longer runs. Later calls fail with
/// actor_died_error.
template <class C>
void kill(const actor_handle<C>& handle) {
  if (!handle) throw error("actors::kill on an empty actor_handle");
  detail::kill_actor(*handle.token());
}

/// Inside an actor method: whether this actor was restarted after its process died.
bool was_current_actor_restarted();

template <class C>
struct codec<actor_handle<C>> {
  static constexpr bool ok = true;
  using parts = type_list<>;
  static void write(writer& w, const actor_handle<C>& h) {
    auto id = h.id();
    w.note_handle(id);
    if (h.token()) detail::note_handle_written(h.token());
    w.write_pod(id);
  }
  static void read(reader& r, actor_handle<C>& h) {
    auto id = r.read_pod<actor_id>();
    r.note_handle(id);
    auto token = id.nil() ? nullptr : detail::find_actor_by_id(id, typeid(C));
    if (!id.nil() && !token)
      throw actor_died_error("actors: the actor " + to_string(id) + " is not known to this process");
    h = actor_handle<C>(std::move(token));
  }
};

}  // namespace actors
