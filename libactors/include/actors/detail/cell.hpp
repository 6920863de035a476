#pragma once
/// The shared state behind an object_ref: pending, then ready with a value or failed with an
/// exception. Completion happens once (the first completer wins); any number of threads may
/// wait for it or register callbacks. Safe to use from any thread.

#include <actors/codec.hpp>
#include <actors/detail/buffer.hpp>
#include <actors/ids.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <typeinfo>
#include <vector>

namespace actors::detail {

using clock = std::chrono::steady_clock;

class cell;

/// Where the bytes of a complete value lie while they are not in this process: in cluster mode,
/// a block in the store of the node that made it (docs/cluster.md, "Values stay where they are
/// made"). The runtime implements it; the cell brings the bytes here on its first read.
class value_location {
 public:
  virtual ~value_location() = default;

 protected:
  /// Brings the value's encoding to this process and hands it to `into.fill_stored`; throws
  /// actors::error (object_lost_error when the value is gone) if it cannot, timeout_error once
  /// `deadline` (if any) has passed.
  virtual void bring(cell& into, std::optional<clock::time_point> deadline) = 0;

 private:
  friend class cell;
  std::timed_mutex bringing_;  // one bring at a time; later readers find the value here
};

class cell {
 public:
  explicit cell(const std::type_info& type) noexcept : type_(&type) {}
  cell(const cell&) = delete;
  cell& operator=(const cell&) = delete;
  virtual ~cell();

  object_id id;

  bool complete() const noexcept { return status_.load(std::memory_order_acquire) >= ready_; }
  bool failed() const noexcept { return status_.load(std::memory_order_acquire) == failed_; }
  /// The exception of a failed cell; only valid once failed().
  const std::exception_ptr& exception() const noexcept { return error_; }
  const std::type_info& type() const noexcept { return *type_; }

  /// Fails the cell unless it already completed; returns whether this call completed it.
  bool set_exception(std::exception_ptr e) noexcept;

  /// Blocks until complete or until the deadline; false on timeout. A task that waits here
  /// gives its CPU back to the scheduler while it sleeps.
  bool wait(std::optional<clock::time_point> deadline = std::nullopt) noexcept;

  /// Runs `fn` once the cell completes: at once (on this thread) if it already has, else on the
  /// completing thread. `fn` must not throw.
  void on_complete(std::function<void()> fn);

  /// Throws the stored exception if failed; waits first, and brings a located value here, both
  /// within the deadline (else timeout_error). Used by get().
  void wait_and_rethrow(std::optional<clock::time_point> deadline = std::nullopt);

  /// Completes the cell with a value that lies at `where`, not in this process; the first read
  /// brings it (ensure_local). Returns whether this call completed the cell.
  bool set_located(std::shared_ptr<value_location> where) noexcept;
  /// Where a located value lies (it stays there after it was brought); null for others.
  value_location* location() const noexcept { return location_.get(); }
  /// Makes sure a complete value is in this process; throws when a located value cannot be
  /// brought (object_lost_error). Every read of the value goes through here.
  void ensure_local(std::optional<clock::time_point> deadline = std::nullopt) const {
    if (!local_.load(std::memory_order_acquire)) bring_here(deadline);
  }
  /// Sets a located cell's value from its encoding, which `owner` keeps readable (the runtime's
  /// side of value_location::bring); throws actors::error if it does not decode.
  virtual void fill_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) = 0;

  // Cluster mode: the value crosses to a process that borrowed a ref to it.
  /// Writes the value; only valid once complete() && !failed().
  virtual void encode_value(writer& w) const = 0;
  /// Completes the cell with the value `r` holds; throws actors::error if it does not decode.
  virtual void decode_value(reader& r) = 0;
  /// decode_value from an encoded value that `owner` keeps in place (a block of the node's
  /// store): an arithmetic array then stays there, read in place, instead of being copied.
  virtual void decode_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) {
    (void)owner;
    reader r(encoded);
    decode_value(r);
  }
  /// The buffer an arithmetic array value lives in; null for other values.
  virtual std::shared_ptr<byte_buffer> array_buffer() const { return nullptr; }

 protected:
  /// Reserves the right to complete; the caller then writes the value and calls publish().
  bool claim() noexcept {
    std::uint32_t expected = pending_;
    return status_.compare_exchange_strong(expected, completing_, std::memory_order_acq_rel);
  }
  void publish(std::uint32_t final_status) noexcept;
  /// Completes a claimed cell with an exception.
  void publish_exception(std::exception_ptr e) noexcept {
    error_ = std::move(e);
    publish(failed_);
  }
  static constexpr std::uint32_t pending_ = 0, completing_ = 1, ready_ = 2, failed_ = 3;

 private:
  void bring_here(std::optional<clock::time_point> deadline) const;

  static constexpr std::uint32_t has_sleepers_ = 1, has_callbacks_ = 2;
  std::atomic<std::uint32_t> status_{pending_};  // also the futex word sleepers wait on
  std::atomic<std::uint32_t> flags_{0};
  const std::type_info* type_;
  std::exception_ptr error_;
  std::vector<std::function<void()>>* callbacks_ = nullptr;  // guarded by a striped lock
  std::shared_ptr<value_location> location_;                 // set once, before completion
  mutable std::atomic<bool> local_{true};                    // false while a located value is elsewhere
};

/// Arithmetic vectors are stored as aligned buffers so that get_view can hand out zero-copy,
/// 64-byte aligned views, and so that large ones live in the object store arena.
template <class E>
struct array_value {
  std::shared_ptr<byte_buffer> buffer;
  std::size_t count = 0;
  const E* data() const noexcept { return reinterpret_cast<const E*>(buffer->data()); }
};

template <class T>
struct storage {
  using type = T;
  static T load(const T& v) { return v; }
  template <class U>
  static T store(U&& v) { return T(std::forward<U>(v)); }
};

template <class E, class A>
  requires is_raw_arithmetic<E>
struct storage<std::vector<E, A>> {
  using type = array_value<E>;
  static std::vector<E, A> load(const type& v) { return std::vector<E, A>(v.data(), v.data() + v.count); }
  static type store(const std::vector<E, A>& v) {
    type a{allocate_array_buffer(v.size(), sizeof(E)), v.size()};
    if (!v.empty()) std::memcpy(a.buffer->data(), v.data(), v.size() * sizeof(E));
    return a;
  }
  /// The value of the codec's encoding `encoded` (a count, then the elements), read in place.
  static type adopt(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) {
    std::uint64_t count = 0;
    if (encoded.size() < sizeof count) throw error("actors codec: input truncated");
    std::memcpy(&count, encoded.data(), sizeof count);
    if (count > (encoded.size() - sizeof count) / sizeof(E) || sizeof count + count * sizeof(E) != encoded.size())
      throw error("actors: a stored array of " + std::to_string(count) + " elements does not fill its " +
                  std::to_string(encoded.size()) + " bytes: its type differs here");
    return type{slice_of(owner, encoded.data() + sizeof count, count * sizeof(E)), static_cast<std::size_t>(count)};
  }
};

template <class T>
using storage_t = typename storage<T>::type;

/// A cell holding a T once ready.
template <class T>
class value_cell final : public cell {
 public:
  value_cell() noexcept : cell(typeid(T)) {}
  /// Stores the value and completes the cell, unless it already completed.
  template <class U>
  bool set_value(U&& v) {
    if (!claim()) return false;
    try {
      value_.emplace(storage<T>::store(std::forward<U>(v)));
    } catch (...) {
      publish_exception(std::current_exception());
      return true;
    }
    publish(ready_);
    return true;
  }
  /// The stored value, brought here first if it lies elsewhere; only valid once complete() &&
  /// !failed().
  const storage_t<T>& stored() const {
    ensure_local();
    return *value_;
  }

  void encode_value(writer& w) const override {
    ensure_local();
    if constexpr (!codec<T>::ok) {
      throw error("actors: this value cannot cross between processes");
    } else if constexpr (is_array_storage) {
      // The codec's layout of an arithmetic vector, written from the buffer without a copy.
      w.write_size(value_->count);
      w.write_bytes(value_->data(), value_->count * sizeof(*value_->data()));
    } else {
      encode(w, *value_);
    }
  }
  void decode_value(reader& r) override {
    if constexpr (!codec<T>::ok || !std::is_default_constructible_v<T>) {
      throw error("actors: this value cannot cross between processes");
    } else {
      T v = decode<T>(r);
      if (r.remaining() != 0) throw error("actors: a fetched object has bytes left over: its type differs here");
      set_value(std::move(v));
    }
  }
  void decode_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) override {
    if constexpr (is_array_storage) {
      adopt_stored(encoded, owner);
    } else {
      reader r(encoded);
      decode_value(r);
    }
  }
  /// Completes the cell with the array encoded at `encoded`, left in place in `owner`.
  void adopt_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) {
    if constexpr (is_array_storage) {
      auto adopted = storage<T>::adopt(encoded, owner);
      if (!claim()) return;
      value_.emplace(std::move(adopted));
      publish(ready_);
    }
  }
  void fill_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) override {
    if constexpr (is_array_storage) {
      value_.emplace(storage<T>::adopt(encoded, owner));
    } else if constexpr (!codec<T>::ok || !std::is_default_constructible_v<T>) {
      throw error("actors: this value cannot cross between processes");
    } else {
      reader r(encoded);
      T v = decode<T>(r);
      if (r.remaining() != 0) throw error("actors: a stored value has bytes left over: its type differs here");
      value_.emplace(storage<T>::store(std::move(v)));
    }
  }
  std::shared_ptr<byte_buffer> array_buffer() const override {
    if constexpr (is_array_storage) {
      ensure_local();
      return value_->buffer;
    }
    return nullptr;
  }
  static constexpr bool stores_array() noexcept { return is_array_storage; }

 private:
  static constexpr bool is_array_storage = !std::is_same_v<storage_t<T>, T>;
  std::optional<storage_t<T>> value_;
};

template <>
class value_cell<void> final : public cell {
 public:
  value_cell() noexcept : cell(typeid(void)) {}
  bool set_value() {
    if (!claim()) return false;
    publish(ready_);
    return true;
  }
  void encode_value(writer&) const override {}
  void fill_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>&) override {
    if (!encoded.empty()) throw error("actors: a stored object of type void has bytes");
  }
  void decode_value(reader& r) override {
    if (r.remaining() != 0) throw error("actors: a fetched object of type void has bytes");
    set_value();
  }
};

}  // namespace actors::detail
