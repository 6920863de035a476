#pragma once
// The embedded runtime: one node (scheduler + worker threads), the object store arena, the
// actor table and the control service, all inside the driver process. One instance exists
// between init() and shutdown(); it is reached through current_runtime().
//
// Thread-safety: every member is safe to call from any thread.

#include <actors/config.hpp>
#include <actors/detail/buffer.hpp>
#include <actors/detail/job.hpp>

#include "scheduler.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace actors::object_store {
class arena;
}

namespace actors::detail {

class actor_core;
class control_service;

class runtime : public std::enable_shared_from_this<runtime> {
 public:
  explicit runtime(const config& cfg);
  ~runtime();

  /// Cancels pending work, ends actors and stops threads; returns within a bounded time.
  void stop();

  scheduler& sched() noexcept { return *scheduler_; }
  const std::shared_ptr<scheduler>& sched_ptr() const noexcept { return scheduler_; }
  control_service& control() noexcept { return *control_; }
  const std::string& ns() const noexcept { return ns_; }
  const std::string& node_id() const noexcept { return node_id_; }

  object_id next_object_id() noexcept { return {session_, object_counter_.fetch_add(1, std::memory_order_relaxed)}; }
  actor_id next_actor_id() noexcept { return {session_ ^ 0xac7024ull, actor_counter_.fetch_add(1, std::memory_order_relaxed)}; }

  /// Runs `j` once every dependency is complete and its resources are free.
  void submit(std::unique_ptr<job> j, std::uint32_t shape, std::span<cell* const> deps);

  void add_actor(const std::shared_ptr<actor_core>& a);
  void remove_actor(const actor_id& id);
  std::shared_ptr<actor_core> find_actor(const actor_id& id);

  void export_cell(const std::shared_ptr<cell>& c);
  std::shared_ptr<cell> find_exported(const object_id& id);

  std::shared_ptr<byte_buffer> allocate(std::size_t bytes);

 private:
  std::uint64_t session_;
  std::atomic<std::uint64_t> object_counter_{1}, actor_counter_{1};
  std::string ns_, node_id_;
  std::shared_ptr<scheduler> scheduler_;
  std::unique_ptr<control_service> control_;
  std::shared_ptr<object_store::arena> arena_;
  std::mutex actors_mu_;
  std::unordered_map<actor_id, std::shared_ptr<actor_core>> actors_;
  std::mutex exported_mu_;
  std::unordered_map<object_id, std::weak_ptr<cell>> exported_;
};

/// The running runtime, or null before init() and after shutdown().
runtime* current_runtime() noexcept;
/// The running runtime; throws actors::error when there is none.
runtime& checked_runtime();

/// Where user code is running, for task_error: node, process and thread.
std::string where_am_i();

}  // namespace actors::detail
