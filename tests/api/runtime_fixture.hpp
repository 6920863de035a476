#pragma once
/// Shared helpers of the API test suite (tests/api): a runtime per test case, time intervals
/// recorded inside tasks, bounded polling, and side effects through files.
///
///     TEST_CASE("..." * doctest::timeout(60)) {
///       api_test::runtime_fixture rt({.num_cpus = 2});
///       CHECK(actors::get(actors::task(add).remote(1, 2)) == 3);
///     }
///
/// The suite is written against API.md only, so that it can run in embedded and cluster mode:
/// tasks report what they saw as return values (intervals, counts), and side effects the driver
/// must observe go through files (every process of a one-machine cluster shares the
/// filesystem), never through globals of the test process.

#include <actors/actors.hpp>

#include <doctest/doctest.h>

#include "test_cluster.hpp"
#include "../support/poll.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace api_test {

/// Starts the runtime with `cfg` and shuts it down when the test case ends (also when a REQUIRE
/// fails). stop() shuts down early; the destructor then does nothing.
/// For cases about what one node does with its own resources (a task that needs all its CPUs):
/// in cluster mode they get a 1-node cluster even when $ACTORS_TEST_CLUSTER_NODES asks for more.
enum class nodes { as_configured, one };

class runtime_fixture {
 public:
  /// Embedded: init(cfg). Cluster mode (test_cluster.hpp): a cluster shaped like `cfg`, joined.
  explicit runtime_fixture(const actors::config& cfg = {.num_cpus = 2}, nodes shape = nodes::as_configured) {
    if (cluster_cli().empty() || cfg.address == "local") {
      actors::init(cfg);
    } else {
      cluster_.emplace(cfg, shape == nodes::one ? 1 : cluster_nodes());
      actors::init(cluster_->join_config());
    }
  }
  runtime_fixture(const runtime_fixture&) = delete;
  runtime_fixture& operator=(const runtime_fixture&) = delete;
  ~runtime_fixture() { stop(); }

  void stop() {
    if (running_) {
      running_ = false;
      actors::shutdown();
    }
  }

 private:
  std::optional<test_cluster> cluster_;  // destroyed after stop() (members go after the body)
  bool running_ = true;
};

/// Nanoseconds on the monotonic clock, comparable between processes of one machine.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// When some code ran, as seen from inside it.
struct interval {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
ACTORS_SERIALIZABLE(interval, start, end)

/// Sleeps `ms` milliseconds and reports when that happened.
inline interval timed_sleep(int ms) {
  interval i;
  i.start = now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  i.end = now_ns();
  return i;
}

/// Whether one moment lies inside every interval (the latest start precedes the earliest end).
inline bool all_overlap(const std::vector<interval>& v) {
  if (v.empty()) return true;
  std::int64_t max_start = v.front().start, min_end = v.front().end;
  for (const auto& i : v) {
    max_start = std::max(max_start, i.start);
    min_end = std::min(min_end, i.end);
  }
  return max_start < min_end;
}

/// Whether `a` and `b` share a moment.
inline bool overlap(const interval& a, const interval& b) { return a.start < b.end && b.start < a.end; }

/// The largest number of intervals that share one moment.
inline std::size_t max_simultaneous(const std::vector<interval>& v) {
  std::size_t best = 0;
  for (const auto& probe : v) {
    std::size_t n = 0;
    for (const auto& i : v)
      if (i.start <= probe.start && probe.start < i.end) ++n;
    best = std::max(best, n);
  }
  return best;
}

/// Polls `pred` every 10 ms until it holds or `limit` has passed; returns its last value.
/// Used where the API promises that something happens eventually, never to measure time.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  return test_support::poll_until(pred, limit, std::chrono::milliseconds(10));
}

// ---- side effects through files ---------------------------------------------------------------

/// A fresh path (nothing there yet) in the temporary directory, unique per process and call.
inline std::string fresh_path(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto p = std::filesystem::temp_directory_path() /
           ("actors_api_" + tag + "_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter.fetch_add(1)) + "_" + std::to_string(now_ns()));
  std::filesystem::remove(p);
  return p.string();
}

/// Removes the file at `path` when the test case ends.
class file_cleanup {
 public:
  explicit file_cleanup(std::string path) : path_(std::move(path)) {}
  file_cleanup(const file_cleanup&) = delete;
  file_cleanup& operator=(const file_cleanup&) = delete;
  ~file_cleanup() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

 private:
  std::string path_;
};

inline bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

/// Appends one line; used as a run counter and as a gate (a file that appears).
inline void append_line(const std::string& path, const std::string& line = "x") {
  std::ofstream(path, std::ios::app) << line << '\n';
}

inline int count_lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

/// Blocks until the file at `path` exists (the gate opens) or `limit` passed; returns whether
/// it opened. Code under test waits on gates with a limit so that a failed test never hangs.
inline bool wait_for_file(const std::string& path, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  return eventually([&] { return file_exists(path); }, limit);
}

}  // namespace api_test
