#pragma once
// The node's local scheduler and the worker threads that run user code.
//
// A job runs only while the resources of its shape are free and holds them while it runs. Jobs
// that need no resources (actor method calls, zero-CPU tasks) always start at once. Threads are
// started on demand: as many as there is runnable work, so a CPU is never idle while a job that
// fits it waits, and a job blocked in get() hands its CPU back so the pool grows with blocked
// work rather than with load. User code runs only on these threads, never on CAF's.
//
// Thread-safety: every public member is safe to call from any thread.

#include <actors/detail/job.hpp>

#include "adaptive_mutex.hpp"
#include "resources.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace actors::detail {

class scheduler : public std::enable_shared_from_this<scheduler> {
 public:
  static constexpr std::uint32_t empty_shape = 0, one_cpu_shape = 1;

  explicit scheduler(const std::map<std::string, double>& totals);
  ~scheduler();

  /// The shape id for these resources; nullopt means the default {"CPU": 1}.
  std::uint32_t shape_for(const std::optional<resource_map>& resources);

  /// Queues a job whose dependencies are all complete; the scheduler owns it from now on.
  void enqueue(job* j);

  /// Gives back the resources of `shape` that an actor held for its life.
  void release(std::uint32_t shape);

  /// Called from inside a running job: keep its resources after it returns (an actor that holds
  /// its resources for its life); they come back through release().
  static void keep_resources_of_current_job() noexcept;

  std::map<std::string, double> totals() const;
  std::map<std::string, double> available() const;

  /// Abandons queued jobs with `cancelled`, lets running jobs finish for up to `grace`, then
  /// fails the results of those still running and leaves their threads behind.
  void stop(std::chrono::milliseconds grace, std::exception_ptr cancelled);

  // Used by blocking_scope (blocking.hpp) through the thread-local current worker.
  struct worker;
  void lend_cpu(worker& w);
  void finishing(worker& w) noexcept;
  void reclaim_cpu(worker& w);

 private:
  struct queue {
    job* head = nullptr;
    job* tail = nullptr;
    std::size_t size = 0;
    void push(job* j) noexcept;
    job* pop() noexcept;
  };

  bool fits_locked(std::uint32_t shape) const;
  bool feasible_locked(std::uint32_t shape) const;
  void acquire_locked(std::uint32_t shape);
  void give_back_locked(std::uint32_t shape);
  job* pick_locked();
  std::size_t runnable_locked() const;
  void dispatch_locked();
  void spawn_locked();
  void worker_main(worker* w);
  void report_infeasible_locked(const job& j);

  mutable adaptive_mutex mu_;
  std::condition_variable_any exited_;
  resource_names names_;
  std::vector<amount> total_, available_;
  std::vector<shape> shapes_;
  std::map<shape, std::uint32_t> shape_ids_;
  std::vector<queue> queues_;                // by shape id
  std::vector<std::uint32_t> active_shapes_; // shapes with queued jobs, excluding empty_shape
  std::size_t next_shape_ = 0;               // round-robin start, so no shape starves another
  queue infeasible_;
  std::set<std::uint32_t> reported_infeasible_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<worker*> idle_;
  std::size_t waking_ = 0;   // workers notified or started that have not looked for work yet
  std::atomic<std::size_t> finishing_{0};  // workers past their task's result, on their way back
  std::size_t live_ = 0;     // threads not yet exited
  std::size_t min_threads_;
  std::size_t max_spinners_;                // idle threads that spin before sleeping, at most (= CPUs)
  std::atomic<std::size_t> spinning_{0};
  bool stopping_ = false;
};

}  // namespace actors::detail
