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

void cell::wait_and_rethrow(std::optional<clock::time_point> deadline) {
  if (!wait(deadline))
    throw timeout_error("actors::get timed out waiting for object " + to_string(id));
  if (failed()) std::rethrow_exception(private_copy(error_));
}

}  // namespace actors::detail
