#pragma once
// Thin wrappers over Linux futexes: the cheapest way to sleep on a 32-bit word until another
// thread changes it, with a timeout (std::atomic::wait has none).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace actors::detail {

/// Sleeps while `*word == expected`, until woken or `deadline` passes; spurious returns happen.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt) noexcept;

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept;
void futex_wake_one(std::atomic<std::uint32_t>& word) noexcept;

/// A CPU hint for spin loops.
inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace actors::detail
