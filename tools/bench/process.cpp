// Whole-process figures: a million queued tasks (time and peak memory) and the cost of
// shutdown() + init().
#include "metrics.hpp"
#include "workload.hpp"

#include <actors/actors.hpp>

#include <fstream>
#include <string>

namespace actors_bench {
namespace {

/// A "VmXXX:" line of /proc/self/status in MB (the kernel reports kB), or -1 when unreadable.
double status_mb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) * 1024 / 1e6;
  return -1;
}

/// Resets VmHWM (the process's peak RSS) to the current RSS; false when the kernel refuses.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

void tasks_queued_1m(context& ctx) {
  const int n = ctx.pick(1'000'000, 100'000);
  // A fresh runtime, so that the peak counts this metric's tasks and not what earlier ones
  // left in the arena or on the worker threads' stacks.
  ctx.reinit();
  double baseline = status_mb("VmRSS");
  bool reset_ok = true;
  std::vector<double> peaks, submit_s;
  auto runs = ctx.repeat(
      ctx.heavy_repeats(),
      [&] {
        reset_ok = reset_peak_rss() && reset_ok;
        std::vector<actors::object_ref<int>> refs;
        refs.reserve(n);
        auto start = clock::now();
        for (int i = 0; i < n; ++i) refs.push_back(actors::task(small_value).remote());
        submit_s.push_back(seconds_since(start));
        keep(actors::get(refs));
        double s = seconds_since(start);
        peaks.push_back(status_mb("VmHWM"));
        return s;
      },
      false);
  ctx.emit(json_line("tasks_queued_1m_s", median(runs), "s").add("n", n).add("submit_s", median(submit_s)), runs);
  auto peak = json_line("tasks_queued_1m_peak_rss_mb", median(peaks), "MB")
                  .add("n", n)
                  .add("baseline_rss_mb", baseline)
                  .add("note", "VmHWM of the whole process, reset through /proc/self/clear_refs before each run");
  if (!reset_ok) peak.add("warning", "could not reset VmHWM: the figure is the process's lifetime peak");
  ctx.emit(peak, peaks);
}

void init_shutdown_s(context& ctx) {
  // Each cycle: one task on the running runtime (so its threads exist and must be stopped;
  // untimed), then shutdown() + init() timed.
  std::vector<double> shutdown_s, init_s;
  auto cycle = [&] {
    keep(actors::get(actors::task(small_value).remote()));
    auto start = clock::now();
    actors::shutdown();
    auto stopped = clock::now();
    ctx.init_again();
    auto end = clock::now();
    shutdown_s.push_back(std::chrono::duration<double>(stopped - start).count());
    init_s.push_back(std::chrono::duration<double>(end - stopped).count());
    return std::chrono::duration<double>(end - start).count();
  };
  cycle();  // warm-up, left out of every median below
  shutdown_s.clear();
  init_s.clear();
  auto runs = ctx.repeat(ctx.repeats(), cycle, false);
  ctx.emit(json_line("init_shutdown_s", median(runs), "s")
               .add("shutdown_s", median(shutdown_s))
               .add("init_s", median(init_s)),
           runs);
}

}  // namespace actors_bench
