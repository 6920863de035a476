// The task service behind actors::task(f).remote(...).
#include <actors/detail/job.hpp>

#include "cluster_client.hpp"
#include "runtime.hpp"

namespace actors::detail {

void submit_task(std::unique_ptr<job> j, const task_options& options, std::span<cell* const> deps) {
  auto& rt = checked_runtime();
  if (options.max_retries < -1) throw error("actors: max_retries must be -1 (unlimited) or at least 0");
  // Embedded tasks run on threads of this process: a worker cannot die on its own, so
  // max_retries and retry_exceptions only matter in cluster mode.
  if (auto* cluster = rt.cluster()) return cluster->submit_task(std::move(j), options, deps);
  rt.submit(std::move(j), rt.sched().shape_for(options.resources), deps);
}

}  // namespace actors::detail
