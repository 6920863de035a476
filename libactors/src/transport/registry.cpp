#include "transport/registry.hpp"

#include <vector>

namespace actors::net::detail {

boost::asio::execution_context::id registry::id;

registry::registry(boost::asio::execution_context& owner)
    : boost::asio::execution_context::service(owner) {}

registry& registry::of(boost::asio::io_context& ctx) { return boost::asio::use_service<registry>(ctx); }

bool registry::add(const std::shared_ptr<closable>& c) {
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  live_.emplace(c.get(), c);
  return true;
}

void registry::remove(const closable* c) noexcept {
  {
    std::lock_guard lock(mutex_);
    live_.erase(c);
  }
  done_.notify_all();
}

bool registry::close_all(std::chrono::milliseconds grace) {
  std::vector<std::shared_ptr<closable>> targets;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (auto& [key, weak] : live_)
      if (auto strong = weak.lock()) targets.push_back(std::move(strong));
  }
  const error why{errc::shut_down, "the transport is shutting down"};
  for (auto& t : targets) t->shut(why);
  targets.clear();  // an object that finishes may be destroyed right away

  const auto deadline = std::chrono::steady_clock::now() + grace;
  std::unique_lock lock(mutex_);
  for (;;) {
    // An object destroyed without removing itself (its last handler dropped by a stopped
    // io_context) can no longer finish: it counts as done.
    std::erase_if(live_, [](const auto& entry) { return entry.second.expired(); });
    if (live_.empty()) return true;
    // Short slices: expiry of a weak_ptr does not notify.
    if (done_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                      std::chrono::milliseconds(20))) ==
            std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      std::erase_if(live_, [](const auto& entry) { return entry.second.expired(); });
      return live_.empty();
    }
  }
}

void registry::shutdown() {
  // The io_context is being destroyed: its handlers, which own the objects, are about to go.
  std::lock_guard lock(mutex_);
  closing_ = true;
  live_.clear();
}

}  // namespace actors::net::detail
