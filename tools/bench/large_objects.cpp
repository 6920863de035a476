// Large arrays: put (a copy of an lvalue), get (a zero-copy view read in full), the view alone,
// the same two from another process of the node (a task: in a cluster, a worker process reading
// the node's store in place), and memcpy of the same size as the physical reference measured in
// the same run.
//
// The four metrics share one source array: filling fresh memory is slow on these VMs (~0.3
// GB/s for pages the host has not backed yet), so allocating one per metric would triple the
// untimed part of the run.
#include "metrics.hpp"
#include "view_timing.hpp"

#include <actors/actors.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>

namespace actors_bench {
namespace {

constexpr double gb = 1e9;

struct fixture {
  std::size_t bytes;
  std::vector<double> source;  // touched, so that no metric pays for its first faults
};

/// Reads every element; eight partial sums so that the adds keep up with memory.
double sum_all(const double* p, std::size_t n) {
  double s[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) s[k] += p[i + k];
  for (; i < n; ++i) s[0] += p[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/// Minor page faults of the process so far: a copy into memory that is already faulted in
/// takes none, so a count per run tells a slow copy from one that faults.
double minor_faults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_minflt);
}

json_line sized(json_line line, const fixture& f) {
  return line.add("size_mb", f.bytes / 1e6);
}

void memcpy_gigabytes(context& ctx, const fixture& f) {
  // The destination is touched first, as the brief of the reference says: both buffers are
  // already faulted in.
  std::unique_ptr<char[]> target(new char[f.bytes]);
  std::memset(target.get(), 1, f.bytes);
  keep(target.get());
  std::vector<double> faults;
  auto runs = ctx.repeat(ctx.heavy_repeats(), [&] {
    double before = minor_faults();
    double s = time_once([&] {
      std::memcpy(target.get(), f.source.data(), f.bytes);
      keep(target.get());
    });
    faults.push_back(minor_faults() - before);
    return f.bytes / s / gb;
  });
  ctx.emit(sized(json_line("memcpy_gigabytes", median(runs), "GB/s"), f).add("minor_faults", median(faults)), runs);
}

void put_gigabytes(context& ctx, const fixture& f) {
  // put of an lvalue copies it. The first put also faults the arena in (its prefault thread
  // starts with the first large allocation): reported apart as the cold figure.
  double before = minor_faults();
  double cold = f.bytes / time_once([&] { keep(actors::put(f.source)); }) / gb;
  double cold_faults = minor_faults() - before;
  std::vector<double> faults;
  auto runs = ctx.repeat(
      ctx.heavy_repeats(),
      [&] {
        actors::object_ref<std::vector<double>> ref;
        double before = minor_faults();
        double s = time_once([&] { ref = actors::put(f.source); });
        faults.push_back(minor_faults() - before);
        return f.bytes / s / gb;  // the object is freed here, outside the timing
      },
      false);
  ctx.emit(sized(json_line("single_client_put_gigabytes", median(runs), "GB/s"), f)
               .add("minor_faults", median(faults))
               .add("cold_gb_per_s", cold)
               .add("cold_minor_faults", cold_faults),
           runs);
}

void get_gigabytes(context& ctx, const actors::object_ref<std::vector<double>>& ref, const fixture& f) {
  auto runs = ctx.repeat(ctx.heavy_repeats(), [&] {
    double s = time_once([&] {
      auto view = actors::get_view(ref);
      keep(sum_all(view.data(), view.size()));
    });
    return f.bytes / s / gb;
  });
  ctx.emit(sized(json_line("single_client_get_gigabytes", median(runs), "GB/s"), f)
               .add("note", "get_view + a sum over every element"),
           runs);
}

void get_view_us(context& ctx, const actors::object_ref<std::vector<double>>& ref, const fixture& f) {
  auto t = time_get_view(ctx, ref);
  ctx.emit(sized(json_line("get_view_us", median(t.runs), "us"), f).add("mean_us", t.mean_us), t.runs);
}

}  // namespace

/// Run as a task: times get_view + a full read of `ref`, `repeats` times (seconds each), then
/// get_view alone (the median of 1,001 calls, in µs, appended last).
std::vector<double> view_times_here(actors::object_ref<std::vector<double>> ref, int repeats) {
  std::vector<double> out;
  for (int i = 0; i < repeats; ++i)
    out.push_back(time_once([&] {
      auto view = actors::get_view(ref);
      keep(sum_all(view.data(), view.size()));
    }));
  std::vector<double> us(1001);
  for (auto& u : us) {
    auto start = clock::now();
    auto view = actors::get_view(ref);
    u = seconds_since(start) * 1e6;
    keep(view.data());
  }
  out.push_back(median(us));
  return out;
}

namespace {
void other_process_get(context& ctx, const actors::object_ref<std::vector<double>>& ref, const fixture& f) {
  // One task does every run: the first includes fetching the ref and mapping the pages (cold).
  const int runs_wanted = std::max(2, ctx.heavy_repeats() + 1);
  auto times = actors::get(actors::task(view_times_here).remote(ref, runs_wanted));
  const double view_us = times.back();
  times.pop_back();
  const double cold = f.bytes / times.front() / gb;
  std::vector<double> runs;
  for (std::size_t i = 1; i < times.size(); ++i) runs.push_back(f.bytes / times[i] / gb);
  ctx.emit(sized(json_line("other_process_get_gigabytes", median(runs), "GB/s"), f)
               .add("cold_gb_per_s", cold)
               .add("note", "a task's get_view + a sum over every element of the driver's put"),
           runs);
  ctx.emit(sized(json_line("other_process_get_view_us", view_us, "us"), f)
               .add("note", "get_view alone in that task, median of 1,001"),
           std::vector<double>{view_us});
}
}  // namespace

void large_objects(context& ctx) {
  fixture f{ctx.pick<std::size_t>(800'000'000, 200'000'000), {}};
  f.source.resize(f.bytes / sizeof(double));
  std::iota(f.source.begin(), f.source.end(), 0.0);

  if (ctx.wants("memcpy_gigabytes")) memcpy_gigabytes(ctx, f);
  if (ctx.wants("single_client_put_gigabytes")) put_gigabytes(ctx, f);
  if (ctx.wants("single_client_get_gigabytes") || ctx.wants("get_view_us") ||
      ctx.wants("other_process_get_gigabytes") || ctx.wants("other_process_get_view_us")) {
    auto ref = actors::put(f.source);
    if (ctx.wants("single_client_get_gigabytes")) get_gigabytes(ctx, ref, f);
    if (ctx.wants("get_view_us")) get_view_us(ctx, ref, f);
    if (ctx.wants("other_process_get_gigabytes") || ctx.wants("other_process_get_view_us")) other_process_get(ctx, ref, f);
  }
  // The arena keeps what it faulted until the runtime goes: start afresh, so that later metrics
  // (peak RSS above all) do not carry a gigabyte or more of it.
  f.source = {};
  ctx.reinit();
}

}  // namespace actors_bench

ACTORS_REMOTE(actors_bench::view_times_here)
