#include "bench.hpp"

#include <actors/actors.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <thread>

namespace actors_bench {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void run_clients(int clients, const std::function<void(int)>& fn) {
  std::vector<std::exception_ptr> errors(clients);
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

bool context::wants(std::string_view metric) const {
  if (options_.filters.empty()) return true;
  return std::any_of(options_.filters.begin(), options_.filters.end(),
                     [&](const std::string& f) { return metric.find(f) != std::string_view::npos; });
}

std::vector<double> context::repeat(int n, const std::function<double()>& once, bool warm_up) const {
  if (warm_up) once();
  std::vector<double> runs;
  runs.reserve(n);
  for (int i = 0; i < n; ++i) runs.push_back(once());
  return runs;
}

void context::emit(json_line line, const std::vector<double>& runs) const {
  if (!wants(line.metric())) return;
  emitted_.insert(line.metric());
  if (!runs.empty()) {
    line.add("repeats", static_cast<int>(runs.size()));
    line.add("runs", runs);
  }
  std::printf("%s\n", line.str(options_.mode).c_str());
  std::fflush(stdout);
}

void context::reinit() const {
  actors::shutdown();
  init_again();
}

void context::init_again() const {
  std::vector<std::string> args = options_.init_args;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  actors::init(argc, argv.data());
}

}  // namespace actors_bench
