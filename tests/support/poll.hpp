#pragma once
// Waiting in tests for what the code under test promises will happen eventually: never to
// measure time (these machines are shared and noisy), only to bound the wait.

#include <chrono>
#include <thread>

namespace test_support {

/// Polls `pred` every `period` until it holds or `limit` has passed; returns its last value.
template <class Pred>
bool poll_until(Pred pred, std::chrono::milliseconds limit, std::chrono::milliseconds period) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(period);
  }
  return true;
}

}  // namespace test_support
