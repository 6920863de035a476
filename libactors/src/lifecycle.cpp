// init(), shutdown() and cluster introspection.
#include <actors/config.hpp>
#include <actors/error.hpp>

#include "flags.hpp"
#include "log.hpp"
#include "head_link.hpp"
#include "runtime.hpp"
#include "worker_main.hpp"

#include <cstdlib>
#include <mutex>

namespace actors {
namespace detail {
namespace {

// init/shutdown replace the runtime under this lock; every other call reads the raw pointer,
// since user code may not race shutdown() against its own calls.
std::mutex lifecycle_mu;
std::shared_ptr<runtime> the_runtime;
std::atomic<runtime*> current{nullptr};

// A program that returns from main without shutdown() still stops its threads and actors in
// order, before the statics they use are destroyed.
struct shutdown_at_exit {
  ~shutdown_at_exit() { actors::shutdown(); }
} shutdown_guard;

void set_thread_count_defaults() {
  // Tasks hold 1 CPU by default, so numeric libraries inside them should use one thread each;
  // the environment cannot be changed safely once threads run, hence once, here.
  for (const char* name : {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}) ::setenv(name, "1", 0);
}

std::string resolve_address(const config& cfg) {
  if (!cfg.address.empty()) return cfg.address;
  const char* env = std::getenv("ACTORS_ADDRESS");
  return env ? env : "";
}

}  // namespace

runtime* current_runtime() noexcept { return current.load(std::memory_order_acquire); }

runtime& checked_runtime() {
  auto* rt = current_runtime();
  if (!rt) throw error("actors: actors::init() has not been called (or shutdown() was)");
  return *rt;
}

}  // namespace detail

void init(const config& cfg) {
  std::unique_lock lock(detail::lifecycle_mu);
  if (detail::the_runtime) throw error("actors::init: already initialized; call actors::shutdown() first");
  if (cfg.num_cpus && *cfg.num_cpus < 0) throw error("actors::init: num_cpus must not be negative");
  if (cfg.num_gpus && *cfg.num_gpus < 0) throw error("actors::init: num_gpus must not be negative");
  detail::set_thread_count_defaults();
  if (detail::launched_as_worker()) {
    // A worker runs the calls of its lease one at a time (the node manager accounts the
    // lease's resources); a call blocked in get() lends its CPU to the next, as embedded.
    // It works in its client's namespace, so named actors resolve as they do in the driver.
    const char* ns = std::getenv("ACTORS_WORKER_NAMESPACE");
    config worker{.num_cpus = 1, .num_gpus = 0, .ns = ns ? ns : cfg.ns};
    detail::the_runtime = std::make_shared<detail::runtime>(worker, false);
    detail::current.store(detail::the_runtime.get(), std::memory_order_release);
    auto rt = detail::the_runtime;
    lock.unlock();
    detail::serve_as_worker(*rt);
  }
  auto address = detail::resolve_address(cfg);
  if (!address.empty() && address != "local") {
    // Cluster mode: user code runs in workers, so the driver's own node offers nothing.
    config driver{.num_cpus = 0, .num_gpus = 0, .ns = cfg.ns};
    auto rt = std::make_shared<detail::runtime>(driver, false);
    detail::join_cluster(*rt, cfg, address);
    detail::the_runtime = std::move(rt);
  } else {
    detail::the_runtime = std::make_shared<detail::runtime>(cfg);
  }
  detail::current.store(detail::the_runtime.get(), std::memory_order_release);
}

void init(int& argc, char** argv) { init(config{}, argc, argv); }

void init(const config& cfg, int& argc, char** argv) {
  config merged = cfg;
  detail::apply_flags(merged, argc, argv);
  init(merged);
}

bool is_initialized() { return detail::current_runtime() != nullptr; }

void shutdown() {
  std::shared_ptr<detail::runtime> rt;
  {
    std::lock_guard lock(detail::lifecycle_mu);
    rt = std::move(detail::the_runtime);
    detail::current.store(nullptr, std::memory_order_release);
  }
  if (rt) rt->stop();
}

namespace {
// Cluster mode asks the head (workers are told its address by their node manager).
const detail::head_link* cluster_head(detail::runtime& rt) {
  if (!rt.cluster()) return nullptr;
  if (!rt.head()) throw error("actors: this worker was started without the head's address");
  return rt.head();
}
}  // namespace

std::vector<node_info> nodes() {
  auto& rt = detail::checked_runtime();
  if (auto* head = cluster_head(rt)) return head->view().nodes;
  return {node_info{rt.node_id(), "local", true, rt.sched().totals()}};
}

std::map<std::string, double> cluster_resources() {
  auto& rt = detail::checked_runtime();
  if (auto* head = cluster_head(rt)) return head->view().total;
  return rt.sched().totals();
}

std::map<std::string, double> available_resources() {
  auto& rt = detail::checked_runtime();
  if (auto* head = cluster_head(rt)) return head->view().available;
  return rt.sched().available();
}

}  // namespace actors
