#include "workload.hpp"

#include <actors/actors.hpp>

namespace actors_bench {

int small_value() { return 0; }

bench_actor bench_actor::create() { return {}; }

int bench_actor::small_value() const { return 0; }

}  // namespace actors_bench

ACTORS_REMOTE(actors_bench::small_value, actors_bench::bench_actor::create, &actors_bench::bench_actor::small_value)
