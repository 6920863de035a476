// Task throughput, as Ray's microbenchmark defines it: "single client tasks sync/async" and
// "multi client tasks async".
#include "metrics.hpp"
#include "workload.hpp"

#include <actors/actors.hpp>

namespace actors_bench {
namespace {

/// Submits `n` trivial tasks, then gets them all.
void submit_and_get(int n) {
  std::vector<actors::object_ref<int>> refs;
  refs.reserve(n);
  for (int i = 0; i < n; ++i) refs.push_back(actors::task(small_value).remote());
  keep(actors::get(refs));
}

}  // namespace

void single_client_tasks_sync(context& ctx) {
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate([] { keep(actors::get(actors::task(small_value).remote())); }, 1, ctx.min_seconds());
  });
  ctx.emit(json_line("single_client_tasks_sync", median(runs), "tasks/s"), runs);
}

void single_client_tasks_async(context& ctx) {
  constexpr int batch = 1000;
  auto runs = ctx.repeat(ctx.repeats(), [&] { return rate([] { submit_and_get(batch); }, batch, ctx.min_seconds()); });
  ctx.emit(json_line("single_client_tasks_async", median(runs), "tasks/s").add("batch", batch), runs);
}

void multi_client_tasks_async(context& ctx) {
  // Ray: 4 client actors each submit 10,000 tasks and get them. Here the clients are threads
  // of the driver, each with its own batch.
  constexpr int clients = 4;
  const int per_client = ctx.pick(10000, 2000);
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate([&] { run_clients(clients, [&](int) { submit_and_get(per_client); }); },
                double(clients) * per_client, ctx.min_seconds());
  });
  ctx.emit(json_line("multi_client_tasks_async", median(runs), "tasks/s")
               .add("clients", clients)
               .add("tasks_per_client", per_client)
               .add("client_kind", "driver threads"),
           runs);
}

}  // namespace actors_bench
