// Actor call throughput (Ray's "1:1 actor calls sync/async/concurrent", "1:n" and "n:n") and
// how fast actors are created.
#include "metrics.hpp"
#include "workload.hpp"

#include <actors/actors.hpp>

namespace actors_bench {
namespace {

using handle = actors::actor_handle<bench_actor>;

// Ray uses cpu_count / 2 actors for 1:n and n:n, which is 1 on a 2-core machine and would make
// 1:n the same as 1:1; a fixed 4 keeps the figure comparable across machines.
constexpr int n_actors = 4;
constexpr int n_clients = 4;
constexpr int batch = 1000;

handle make_actor(int max_concurrency = 1) {
  return actors::actor(bench_actor::create).set_max_concurrency(max_concurrency).remote();
}

/// Calls `calls` methods spread round-robin over `targets` (starting at `first`), then gets
/// them all.
void call_and_get(const std::vector<handle>& targets, int calls, int first = 0) {
  std::vector<actors::object_ref<int>> refs;
  refs.reserve(calls);
  for (int i = 0; i < calls; ++i)
    refs.push_back(targets[(first + i) % targets.size()].task(&bench_actor::small_value).remote());
  keep(actors::get(refs));
}

std::vector<handle> make_actors(int n) {
  std::vector<handle> out;
  for (int i = 0; i < n; ++i) out.push_back(make_actor());
  return out;
}

}  // namespace

void actor_calls_1_1_sync(context& ctx) {
  auto a = make_actor();
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate([&] { keep(actors::get(a.task(&bench_actor::small_value).remote())); }, 1, ctx.min_seconds());
  });
  ctx.emit(json_line("1_1_actor_calls_sync", median(runs), "calls/s"), runs);
}

void actor_calls_1_1_async(context& ctx) {
  std::vector<handle> one{make_actor()};
  auto runs = ctx.repeat(ctx.repeats(), [&] { return rate([&] { call_and_get(one, batch); }, batch, ctx.min_seconds()); });
  ctx.emit(json_line("1_1_actor_calls_async", median(runs), "calls/s").add("batch", batch), runs);
}

void actor_calls_1_1_concurrent(context& ctx) {
  constexpr int max_concurrency = 16;
  std::vector<handle> one{make_actor(max_concurrency)};
  auto runs = ctx.repeat(ctx.repeats(), [&] { return rate([&] { call_and_get(one, batch); }, batch, ctx.min_seconds()); });
  ctx.emit(json_line("1_1_actor_calls_concurrent", median(runs), "calls/s")
               .add("batch", batch)
               .add("max_concurrency", max_concurrency),
           runs);
}

void actor_calls_1_n_async(context& ctx) {
  // Ray: one client submits 5,000 calls to each of n actors, then gets them all.
  const int per_actor = ctx.pick(5000, 1000);
  auto targets = make_actors(n_actors);
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate([&] { call_and_get(targets, per_actor * n_actors); }, double(per_actor) * n_actors, ctx.min_seconds());
  });
  ctx.emit(json_line("1_n_actor_calls_async", median(runs), "calls/s")
               .add("actors", n_actors)
               .add("calls_per_actor", per_actor),
           runs);
}

void actor_calls_n_n_async(context& ctx) {
  // Ray: m clients each submit 5,000 calls spread over the n actors, then get them.
  const int per_client = ctx.pick(5000, 1000);
  auto targets = make_actors(n_actors);
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    return rate([&] { run_clients(n_clients, [&](int c) { call_and_get(targets, per_client, c); }); },
                double(per_client) * n_clients, ctx.min_seconds());
  });
  ctx.emit(json_line("n_n_actor_calls_async", median(runs), "calls/s")
               .add("clients", n_clients)
               .add("actors", n_actors)
               .add("calls_per_client", per_client)
               .add("client_kind", "driver threads"),
           runs);
}

void actors_created_per_s(context& ctx) {
  const int n = ctx.pick(10000, 2000);
  auto runs = ctx.repeat(ctx.repeats(), [&] {
    std::vector<handle> created;
    created.reserve(n);
    auto start = clock::now();
    for (int i = 0; i < n; ++i) created.push_back(make_actor());
    // One call on each proves it exists (its factory ran).
    std::vector<actors::object_ref<int>> refs;
    refs.reserve(n);
    for (auto& a : created) refs.push_back(a.task(&bench_actor::small_value).remote());
    keep(actors::get(refs));
    double rate = n / seconds_since(start);
    // Dropping the last handles ends the actors; not timed.
    return rate;
  });
  ctx.emit(json_line("actors_created_per_s", median(runs), "actors/s").add("n", n), runs);
}

}  // namespace actors_bench
