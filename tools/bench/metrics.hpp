#pragma once
/// Every metric function of actors-bench, by file. Each one measures, then emits its line(s)
/// through the context; main.cpp lists them with the metric names they produce.

#include "bench.hpp"

namespace actors_bench {

// tasks.cpp
void single_client_tasks_sync(context& ctx);
void single_client_tasks_async(context& ctx);
void multi_client_tasks_async(context& ctx);

// actors.cpp
void actor_calls_1_1_sync(context& ctx);
void actor_calls_1_1_async(context& ctx);
void actor_calls_1_1_concurrent(context& ctx);
void actor_calls_1_n_async(context& ctx);
void actor_calls_n_n_async(context& ctx);
void actors_created_per_s(context& ctx);

// objects.cpp
void single_client_put_calls(context& ctx);
void single_client_get_calls(context& ctx);
void single_client_wait_1k_refs(context& ctx);
void get_view_small_us(context& ctx);

// large_objects.cpp: memcpy_gigabytes, single_client_put_gigabytes,
// single_client_get_gigabytes and get_view_us share one 800 MB (quick: 200 MB) array.
void large_objects(context& ctx);

// process.cpp
void tasks_queued_1m(context& ctx);
void init_shutdown_s(context& ctx);

// other_programs.cpp: measured by the project's other programs, found beside this one.
// head_start_s: `actors start --head` until it serves.
void head_start_s(context& ctx);
// object_transfer_gigabytes, raw_tcp_gigabytes, object_transfer_vs_raw_tcp: actors-transfer-bench.
void object_transfer(context& ctx);
// recovery_s: on a cluster of its own, a node killed while tasks run there, until they are done.
void recovery_s(context& ctx);
// recovery_hung_s: the same with the node stopped (a hung host) instead of killed.
void recovery_hung_s(context& ctx);

}  // namespace actors_bench
