#include <actors/detail/cell.hpp>

#include "blocking.hpp"
#include "exception_copy.hpp"
#include "futex.hpp"
#include "spin_policy.hpp"

#include <array>
#include <mutex>

namespace actors::detail {
namespace {

// Callback lists are rare (dependencies and wait() only), so a cell does not carry a mutex of
// its own: a small table of locks, picked by address, guards them.
std::mutex& lock_for(const cell* c) noexcept {
  static std::array<std::mutex, 64> locks;
  return locks[(reinterpret_cast<std::uintptr_t>(c) >> 6) % locks.size()];
}

}  // namespace

cell::~cell() { delete callbacks_; }

void cell::publish(std::uint32_t final_status) noexcept {
  status_.store(final_status, std::memory_order_seq_cst);
  auto flags = flags_.load(std::memory_order_seq_cst);
  if (flags & has_callbacks_) {
    std::vector<std::function<void()>>* list;
    {
      std::lock_guard lock(lock_for(this));
      list = callbacks_;
      callbacks_ = nullptr;
    }
    if (list) {
      for (auto& fn : *list) fn();
      delete list;
    }
  }
  if (flags & has_sleepers_) futex_wake_all(status_);
}

bool cell::set_exception(std::exception_ptr e) noexcept {
  if (!claim()) return false;
  publish_exception(private_copy(e));  // see exception_copy.hpp
  return true;
}

void cell::on_complete(std::function<void()> fn) {
  {
    std::lock_guard lock(lock_for(this));
    flags_.fetch_or(has_callbacks_, std::memory_order_seq_cst);
    if (status_.load(std::memory_order_seq_cst) < ready_) {
      if (!callbacks_) callbacks_ = new std::vector<std::function<void()>>();
      callbacks_->push_back(std::move(fn));
      return;
    }
  }
  fn();
}

bool cell::wait(std::optional<clock::time_point> deadline) noexcept {
  if (complete()) return true;
  auto spin_until = clock::now() + wait_spin();  // spin_policy.hpp
  if (deadline && *deadline < spin_until) spin_until = *deadline;
  for (unsigned i = 1;; ++i) {
    if (complete()) return true;
    spin_pause();
    if (i % 64 == 0 && clock::now() >= spin_until) break;
  }
  blocking_scope blocking;
  flags_.fetch_or(has_sleepers_, std::memory_order_seq_cst);
  for (;;) {
    auto s = status_.load(std::memory_order_seq_cst);
    if (s >= ready_) return true;
    if (deadline && clock::now() >= *deadline) return false;
    futex_wait(status_, s, deadline);
  }
}

bool cell::set_located(std::shared_ptr<value_location> where) noexcept {
  if (!claim()) return false;
  location_ = std::move(where);
  local_.store(false, std::memory_order_relaxed);  // published by publish() below
  publish(ready_);
  return true;
}

void cell::bring_here(std::optional<clock::time_point> deadline) const {
  std::unique_lock lock(location_->bringing_, std::defer_lock);
  if (!deadline)
    lock.lock();
  else if (!lock.try_lock_until(*deadline))
    throw timeout_error("actors::get timed out bringing object " + to_string(id) + " to this process");
  if (local_.load(std::memory_order_acquire)) return;   // another reader brought it meanwhile
  location_->bring(const_cast<cell&>(*this), deadline);  // fills the value: the cell's own, not shared state
  local_.store(true, std::memory_order_release);
}

void cell::wait_and_rethrow(std::optional<clock::time_point> deadline) {
  if (!wait(deadline))
    throw timeout_error("actors::get timed out waiting for object " + to_string(id));
  if (failed()) std::rethrow_exception(private_copy(error_));
  ensure_local(deadline);
}

}  // namespace actors::detail
