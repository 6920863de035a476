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
#include <optional>
#include <typeinfo>
#include <string>
#include <unordered_map>

namespace actors::object_store {
class arena;
}

namespace actors::detail {

class actor_core;
class actor_token;
class cluster_client;
class control_service;
class head_link;
class object_exchange;
class store_client;

/// An actor this process created in a worker process (cluster mode), for lookups by name or id.
struct remote_actor_entry {
  std::weak_ptr<actor_token> token;
  const std::type_info* type = nullptr;
  std::string name;
};

class runtime : public std::enable_shared_from_this<runtime> {
 public:
  /// `embedded_store`: keep large objects in an arena of this process (the embedded node's
  /// store). Cluster processes do not: the node's shared store is theirs (docs/cluster.md).
  explicit runtime(const config& cfg, bool embedded_store = true);
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

  /// A ref to `c` is written into a message: remember_cell, and lend it to the receiver.
  void export_cell(const std::shared_ptr<cell>& c);
  /// Makes `c` findable by id (find_exported) for later messages that name it.
  void remember_cell(const std::shared_ptr<cell>& c);
  std::shared_ptr<cell> find_exported(const object_id& id);

  std::shared_ptr<byte_buffer> allocate(std::size_t bytes);
  /// allocate() for `count` elements of `element_size` bytes: large arrays of a cluster process
  /// go into the node's store, laid out as a stored value (store_client.hpp).
  std::shared_ptr<byte_buffer> allocate_array(std::size_t count, std::size_t element_size);

  /// Refs lent to and borrowed from other processes (cluster mode; unused embedded).
  const std::shared_ptr<object_exchange>& exchange() const noexcept { return exchange_; }

  // Cluster mode (docs/cluster.md): calls go to worker processes through the cluster client.
  /// Null in embedded mode.
  cluster_client* cluster() noexcept { return cluster_.get(); }
  /// Also maps the node's shared store, when the node has one.
  void attach_cluster(std::unique_ptr<cluster_client> client);
  /// The node's shared store: null in embedded mode and on a node without one.
  store_client* node_store() noexcept { return store_.get(); }
  /// The driver's view of the head: null in embedded mode and in workers.
  head_link* head() noexcept { return head_.get(); }
  void attach_head(std::unique_ptr<head_link> head);

  void add_remote_actor(const actor_id& id, const std::shared_ptr<actor_token>& token, const std::type_info& type,
                        const std::string& name);
  std::optional<remote_actor_entry> find_remote_actor(const actor_id& id);
  /// The actor ended or its last handle went: frees its name.
  void forget_remote_actor(const actor_id& id);
  /// Keeps a named remote actor alive without handles, until drop_named_actor (kill) or stop().
  void keep_named_actor(const actor_id& id, std::shared_ptr<actor_token> token);
  void drop_named_actor(const actor_id& id);

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
  std::shared_ptr<object_exchange> exchange_;
  // The head link outlives the cluster client, which announces named actors through it.
  std::unique_ptr<head_link> head_;
  std::unique_ptr<cluster_client> cluster_;
  std::unique_ptr<store_client> store_;  // after cluster_: closed first, blocks may outlive it
  std::mutex remote_mu_;
  std::unordered_map<actor_id, remote_actor_entry> remote_actors_;
  std::unordered_map<actor_id, std::shared_ptr<actor_token>> named_keepalive_;  // guarded by remote_mu_
};

/// The running runtime, or null before init() and after shutdown().
runtime* current_runtime() noexcept;
/// The running runtime; throws actors::error when there is none.
runtime& checked_runtime();

/// Where user code is running, for task_error: node, process and thread.
std::string where_am_i();

}  // namespace actors::detail
