#pragma once
/// object_ref<T>: a copyable future for a value in the object store, and the object API
/// (put, get, wait, get_view).
///
///     auto ref = actors::put(std::vector<int>{1, 2, 3});
///     auto [ready, unready] = actors::wait(std::vector{ref}, 1, std::chrono::seconds(1));
///     std::vector<int> v = actors::get(ref);
///
/// object_ref is safe to copy and use from any thread. Dropping every ref to a task's result
/// does not cancel the task.

#include <actors/array_view.hpp>
#include <actors/codec.hpp>
#include <actors/detail/objects_api.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace actors {

template <class T>
class object_ref {
 public:
  using value_type = T;

  /// A null ref; get() on it throws actors::error.
  object_ref() = default;
  explicit object_ref(std::shared_ptr<detail::value_cell<T>> c) noexcept : cell_(std::move(c)) {}

  object_id id() const noexcept { return cell_ ? cell_->id : object_id{}; }
  explicit operator bool() const noexcept { return cell_ != nullptr; }
  friend bool operator==(const object_ref& a, const object_ref& b) noexcept { return a.id() == b.id(); }

  /// The shared state; for the runtime's own use.
  const std::shared_ptr<detail::value_cell<T>>& cell() const noexcept { return cell_; }

 private:
  std::shared_ptr<detail::value_cell<T>> cell_;
};

template <class T>
struct wait_result {
  std::vector<object_ref<T>> ready, unready;
};

namespace detail {
template <class T>
struct is_object_ref : std::false_type {};
template <class T>
struct is_object_ref<object_ref<T>> : std::true_type {};
template <class T>
inline constexpr bool is_object_ref_v = is_object_ref<std::remove_cvref_t<T>>::value;

template <class T>
value_cell<T>& checked_cell(const object_ref<T>& ref) {
  if (!ref.cell()) throw error("actors: get/wait on a null object_ref");
  return *ref.cell();
}

template <class T>
T load(const value_cell<T>& c) {
  if constexpr (!std::is_void_v<T>) return storage<T>::load(c.stored());
}

inline clock::time_point deadline_after(std::chrono::milliseconds timeout) {
  return clock::now() + timeout;
}
}  // namespace detail

/// Stores a value and returns a ref to it; moves an rvalue, copies an lvalue. Throws
/// actors::error when the value cannot be stored (larger than the node's store can ever hold).
template <class T>
object_ref<std::decay_t<T>> put(T&& value) {
  using U = std::decay_t<T>;
  static_assert(detail::require_serializable<U>());
  auto c = detail::new_cell<U>();
  c->set_value(std::forward<T>(value));
  if (c->failed()) std::rethrow_exception(c->exception());
  return object_ref<U>(std::move(c));
}

/// Blocks until the value is ready and returns a copy; throws the task's error if it failed.
template <class T>
T get(const object_ref<T>& ref) {
  auto& c = detail::checked_cell(ref);
  c.wait_and_rethrow();
  return detail::load(c);
}

/// As get(ref), but throws actors::timeout_error once `timeout` has passed.
template <class T>
T get(const object_ref<T>& ref, std::chrono::milliseconds timeout) {
  auto& c = detail::checked_cell(ref);
  c.wait_and_rethrow(detail::deadline_after(timeout));
  return detail::load(c);
}

/// Gets every value, in order.
template <class T>
auto get(const std::vector<object_ref<T>>& refs) {
  if constexpr (std::is_void_v<T>) {
    for (const auto& r : refs) get(r);
  } else {
    std::vector<T> out;
    out.reserve(refs.size());
    for (const auto& r : refs) out.push_back(get(r));
    return out;
  }
}

namespace detail {
template <class T>
wait_result<T> wait_for(const std::vector<object_ref<T>>& refs, std::size_t num_returns,
                        std::optional<clock::time_point> deadline) {
  if (num_returns > refs.size())
    throw error("actors::wait: num_returns (" + std::to_string(num_returns) +
                ") exceeds the number of refs (" + std::to_string(refs.size()) + ")");
  std::vector<cell*> cells;
  cells.reserve(refs.size());
  for (const auto& r : refs) cells.push_back(&checked_cell(r));
  auto ready = wait_cells(cells, num_returns, deadline);
  wait_result<T> out;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    // Like Ray, `ready` holds at most num_returns refs: the first ready ones in input order.
    if (ready[i] && taken < num_returns) {
      out.ready.push_back(refs[i]);
      ++taken;
    } else {
      out.unready.push_back(refs[i]);
    }
  }
  return out;
}
}  // namespace detail

/// Waits until every ref is ready.
template <class T>
wait_result<T> wait(const std::vector<object_ref<T>>& refs) {
  return detail::wait_for(refs, refs.size(), std::nullopt);
}

/// Waits until `num_returns` refs are ready. Input order is kept in `ready` and `unready`.
template <class T>
wait_result<T> wait(const std::vector<object_ref<T>>& refs, std::size_t num_returns) {
  return detail::wait_for(refs, num_returns, std::nullopt);
}

/// Waits until `num_returns` refs are ready or `timeout` has passed; never throws for a timeout.
template <class T>
wait_result<T> wait(const std::vector<object_ref<T>>& refs, std::size_t num_returns,
                    std::chrono::milliseconds timeout) {
  return detail::wait_for(refs, num_returns, detail::deadline_after(timeout));
}

/// A zero-copy view of an arithmetic array; blocks until ready.
template <class T, class A>
  requires detail::is_raw_arithmetic<T>
array_view<T> get_view(const object_ref<std::vector<T, A>>& ref) {
  auto& c = detail::checked_cell(ref);
  c.wait_and_rethrow();
  const auto& a = c.stored();
  return array_view<T>(a.buffer, a.data(), a.count);
}

template <class T>
struct codec<object_ref<T>> {
  static constexpr bool ok = std::is_void_v<T> || codec<T>::ok;
  using parts = std::conditional_t<std::is_void_v<T>, type_list<>, type_list<T>>;
  static void write(writer& w, const object_ref<T>& ref) {
    if (ref.cell()) detail::export_cell(ref.cell());
    w.note_ref(ref.id());
    w.write_pod(ref.id());
  }
  static void read(reader& r, object_ref<T>& ref) {
    auto id = r.read_pod<object_id>();
    r.note_ref(id);
    if (id.nil()) {
      ref = object_ref<T>();
      return;
    }
    ref = object_ref<T>(detail::import_cell<T>(id));
  }
};

}  // namespace actors

template <class T>
struct std::hash<actors::object_ref<T>> {
  std::size_t operator()(const actors::object_ref<T>& r) const noexcept {
    return std::hash<actors::object_id>{}(r.id());
  }
};
