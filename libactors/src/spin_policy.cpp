#include "spin_policy.hpp"

#include <atomic>

namespace actors::detail {

namespace {
// Embedded: a wake-up costs ~40 µs on these VMs, far more than most tasks take.
constexpr std::int64_t embedded_idle_us = 50, embedded_wait_us = 30;
std::atomic<std::int64_t> idle_us{embedded_idle_us};
std::atomic<std::int64_t> wait_us{embedded_wait_us};
}  // namespace

void set_spin_policy(spin_policy p) noexcept {
  const bool cluster = p == spin_policy::cluster;
  idle_us.store(cluster ? 0 : embedded_idle_us, std::memory_order_relaxed);
  wait_us.store(cluster ? 0 : embedded_wait_us, std::memory_order_relaxed);
}

std::chrono::microseconds idle_spin() noexcept {
  return std::chrono::microseconds(idle_us.load(std::memory_order_relaxed));
}

std::chrono::microseconds wait_spin() noexcept {
  return std::chrono::microseconds(wait_us.load(std::memory_order_relaxed));
}

}  // namespace actors::detail
