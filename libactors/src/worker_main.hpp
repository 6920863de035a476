#pragma once
// Worker mode (worker_main.cpp): what actors::init() does in a process a node manager started.

namespace actors::detail {

class runtime;

/// True when this process was started by a node manager as a worker ($ACTORS_WORKER_ID).
bool launched_as_worker() noexcept;

/// Serves calls on `rt` until the node manager goes away, then ends the process.
[[noreturn]] void serve_as_worker(runtime& rt);

}  // namespace actors::detail
