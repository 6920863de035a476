// The task service behind actors::task(f).remote(...).
#include <actors/detail/job.hpp>

#include "runtime.hpp"

namespace actors::detail {

void submit_task(std::unique_ptr<job> j, const task_options& options, std::span<cell* const> deps) {
  auto& rt = checked_runtime();
  if (options.max_retries < -1) throw error("actors: max_retries must be -1 (unlimited) or at least 0");
  // Embedded tasks run on threads of this process: a worker cannot die on its own, so
  // max_retries and retry_exceptions only matter in cluster mode.
  rt.submit(std::move(j), rt.sched().shape_for(options.resources), deps);
}

}  // namespace actors::detail
