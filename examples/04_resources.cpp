// 04_resources: custom resources; two tasks that each need the single "accelerator" never overlap.
#include <actors/actors.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <utility>

// Uses the accelerator for a while; returns when it started and when it ended (steady clock, ns).
std::pair<std::int64_t, std::int64_t> use_accelerator(int ms) {
  using clock = std::chrono::steady_clock;
  auto now = [] { return std::int64_t{clock::now().time_since_epoch().count()}; };
  std::int64_t start = now();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return {start, now()};
}
ACTORS_REMOTE(use_accelerator)

void print(const char* title, const std::map<std::string, double>& resources) {
  std::cout << title;
  for (const auto& [name, amount] : resources) std::cout << ' ' << name << '=' << amount;
  std::cout << '\n';
}

int main(int argc, char** argv) {
  // The embedded node gets 4 CPUs and one "accelerator" (on a cluster the nodes' flags decide).
  actors::init({.num_cpus = 4, .resources = {{"accelerator", 1}}}, argc, argv);
  // A wrong result is reported on stderr and makes main return non-zero.
  int failures = 0;
  auto check = [&](bool ok, const char* what) {
    if (ok) return;
    std::cerr << "04_resources: FAILED: " << what << '\n';
    ++failures;
  };

  // What the cluster has in total, and what is free now (with every key of the total).
  auto total = actors::cluster_resources();
  auto available = actors::available_resources();
  print("cluster_resources:       ", total);
  print("available_resources:     ", available);
  check(total["accelerator"] == 1, "exactly one accelerator in the cluster");
  for (const auto& [name, amount] : total)
    check(available.count(name) == 1, "available_resources() has every key of the total");

  // Two tasks, each holding one CPU and the accelerator while it runs.
  std::map<std::string, double> needs{{"CPU", 1}, {"accelerator", 1}};
  auto first = actors::task(use_accelerator).set_resources(needs).remote(300);
  auto second = actors::task(use_accelerator).set_resources(needs).remote(300);

  // Give the first a moment to start, then look: it holds the accelerator (shown, not checked).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  print("available while one runs:", actors::available_resources());

  // The runtime lets one in only after the other has finished: one ends before the other starts.
  auto [a_start, a_end] = actors::get(first);
  auto [b_start, b_end] = actors::get(second);
  auto ms = [t0 = std::min(a_start, b_start)](std::int64_t t) { return (t - t0) / 1'000'000; };
  std::cout << "first:  " << ms(a_start) << "-" << ms(a_end) << " ms\n"
            << "second: " << ms(b_start) << "-" << ms(b_end) << " ms\n";
  check(a_end <= b_start || b_end <= a_start, "the two accelerator tasks did not overlap");

  actors::shutdown();
  return failures == 0 ? 0 : 1;
}
