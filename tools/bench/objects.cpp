// Small-object calls (Ray's "single client put/get calls", "single client wait 1k refs") and
// the cost of a zero-copy view of a small array.
#include "metrics.hpp"
#include "view_timing.hpp"
#include "workload.hpp"

#include <actors/actors.hpp>

namespace actors_bench {

namespace {
// Put and get take tens of nanoseconds; reading the clock once per thousand keeps it out of
// the figure.
constexpr int calls_per_batch = 1000;
}  // namespace

void single_client_put_calls(context& ctx) {
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate(
        [] {
          for (int i = 0; i < calls_per_batch; ++i) keep(actors::put(0));
        },
        calls_per_batch, ctx.min_seconds());
  });
  ctx.emit(json_line("single_client_put_calls", median(runs), "puts/s"), runs);
}

void single_client_get_calls(context& ctx) {
  auto ref = actors::put(0);
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate(
        [&] {
          for (int i = 0; i < calls_per_batch; ++i) keep(actors::get(ref));
        },
        calls_per_batch, ctx.min_seconds());
  });
  ctx.emit(json_line("single_client_get_calls", median(runs), "gets/s"), runs);
}

void single_client_wait_1k_refs(context& ctx) {
  // Ray's definition: submit 1,000 tasks, then wait(refs, 1) and carry on with the unready
  // ones until none is left. One iteration is the whole sequence.
  constexpr int n = 1000;
  auto once = [] {
    std::vector<actors::object_ref<int>> unready;
    unready.reserve(n);
    for (int i = 0; i < n; ++i) unready.push_back(actors::task(small_value).remote());
    while (!unready.empty()) unready = actors::wait(unready, 1).unready;
  };
  auto runs = ctx.repeat(ctx.repeats(), [&] { return rate(once, 1, ctx.min_seconds()); });
  ctx.emit(json_line("single_client_wait_1k_refs", median(runs), "iterations/s").add("refs", n), runs);
}

void get_view_small_us(context& ctx) {
  // 1 MB: above the size that sends arrays to the object store arena, as large ones are.
  auto ref = actors::put(std::vector<double>(1000 * 1000 / sizeof(double), 1.0));
  auto t = time_get_view(ctx, ref);
  ctx.emit(json_line("get_view_small_us", median(t.runs), "us").add("size_mb", 1.0).add("mean_us", t.mean_us), t.runs);
}

}  // namespace actors_bench
