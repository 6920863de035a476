#pragma once
// Hooks a thread calls around a blocking wait. On a worker thread running a task they hand the
// task's CPU back to the scheduler while it sleeps (so nested get() cannot starve the pool) and
// take it back afterwards; on any other thread they do nothing.

namespace actors::detail {

void begin_blocking() noexcept;
void end_blocking() noexcept;

/// A worker process tells its node manager when its tasks block and run again, so the node
/// lends their CPUs too (docs/cluster.md); `observer` runs on the blocking thread.
void set_blocking_observer(void (*observer)(bool blocked)) noexcept;

class blocking_scope {
 public:
  blocking_scope() noexcept { begin_blocking(); }
  ~blocking_scope() { end_blocking(); }
  blocking_scope(const blocking_scope&) = delete;
  blocking_scope& operator=(const blocking_scope&) = delete;
};

}  // namespace actors::detail
