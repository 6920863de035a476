#pragma once
/// What every metric of actors-bench shares: the options, timing helpers, and the context a
/// metric function reports through.
///
///     void my_metric(context& ctx) {
///       auto runs = ctx.repeat(ctx.repeats(), [&] { return rate([&] { work(); }, 1, ctx.min_seconds()); });
///       ctx.emit(json_line("my_metric", median(runs), "ops/s"), runs);
///     }
///
/// A context is used by the main thread only; the helpers are free functions, safe anywhere.

#include "json_line.hpp"

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace actors_bench {

using clock = std::chrono::steady_clock;

struct options {
  bool quick = false;
  int repeat = 5;                      // timed runs per metric; the median is reported
  bool repeat_given = false;           // --repeat was on the command line
  std::vector<std::string> filters;    // a metric runs if its name contains any (none = all)
  std::string mode = "embedded";       // "cluster" once --actors-address names a cluster
  std::vector<std::string> init_args;  // the command line as given, to initialise again
};

/// Seconds since `start`.
inline double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

double median(std::vector<double> values);

/// Keeps the compiler from dropping a computation whose result is otherwise unused.
template <class T>
inline void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

/// Operations per second: calls `batch` (which performs `ops_per_batch` operations) until at
/// least `min_seconds` have passed, and at least once.
template <class F>
double rate(F&& batch, double ops_per_batch, double min_seconds) {
  double ops = 0;
  auto start = clock::now();
  double elapsed = 0;
  do {
    batch();
    ops += ops_per_batch;
    elapsed = seconds_since(start);
  } while (elapsed < min_seconds);
  return ops / elapsed;
}

/// Seconds taken by one call of `fn`.
template <class F>
double time_once(F&& fn) {
  auto start = clock::now();
  fn();
  return seconds_since(start);
}

/// Runs `fn` on `clients` threads at once (fn(i) on thread i) and joins them; rethrows the first
/// exception a thread threw.
void run_clients(int clients, const std::function<void(int)>& fn);

class context {
 public:
  explicit context(options o) : options_(std::move(o)) {}

  const options& opts() const noexcept { return options_; }
  bool quick() const noexcept { return options_.quick; }
  /// Timed runs of an ordinary metric.
  int repeats() const noexcept { return options_.repeat; }
  /// Timed runs of a heavy one (800 MB copies, a million tasks): one in quick mode.
  /// (An explicit --repeat applies to them too.)
  int heavy_repeats() const noexcept { return options_.quick && !options_.repeat_given ? 1 : options_.repeat; }
  /// How long one timed run of a rate metric lasts at least.
  double min_seconds() const noexcept { return options_.quick ? 0.1 : 0.5; }
  /// `full` in a full run, `quick` with --quick.
  template <class N>
  N pick(N full, N quick) const noexcept { return options_.quick ? quick : full; }

  /// Whether the filter selects this metric name.
  bool wants(std::string_view metric) const;

  /// Calls `once` `n` times and returns every result, after one untimed warm-up call unless
  /// `warm_up` is false.
  std::vector<double> repeat(int n, const std::function<double()>& once, bool warm_up = true) const;

  /// Prints the line (with "mode", "repeats" and every run) if the filter selects it.
  void emit(json_line line, const std::vector<double>& runs = {}) const;

  /// Whether emit() printed this metric already.
  bool emitted(std::string_view metric) const { return emitted_.count(std::string(metric)) > 0; }

  /// init() with the flags the program was started with.
  void init_again() const;
  /// shutdown() then init_again().
  void reinit() const;

 private:
  options options_;
  mutable std::set<std::string> emitted_;
};

}  // namespace actors_bench
