#pragma once
// cluster_client: how a driver (or a worker that submits nested work) runs calls in worker
// processes (docs/cluster.md, "Workers and leases"). It is the owner side of Ray's direct task
// submission: a task waits in this process until its arguments are ready, then goes to a worker
// leased from the node manager for the task's resource shape; the client pushes it straight to
// that worker and completes the task's cell from the worker's answer. An actor is placed by the
// node manager on a host process and its calls go straight there, in submission order.
//
// Thread-safety: every public member is safe to call from any thread.

#include <actors/detail/job.hpp>

#include "cluster/protocol.hpp"
#include "transport/connection.hpp"

#include <exception>
#include <memory>
#include <span>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

namespace actors::detail {

class head_link;
class object_exchange;
class remote_actor;

struct cluster_client_options {
  std::string node_address;  // the node manager's worker pool: unix:...
  std::string token_hex;     // the cluster token
  std::string client_id;     // 32 hex digits
  bool is_worker = false;    // a worker's own client registers under its worker id
  std::string listen_address;  // workers: where their clients reach them
  std::shared_ptr<object_exchange> exchange;  // the process's: refs lent to and borrowed from workers
  const head_link* head = nullptr;  // named actors are announced there (null: no names)
  std::string ns;                   // the namespace named actors are created in
};

class cluster_client {
 public:
  /// Connects to the node manager and registers; throws actors::error saying why not.
  explicit cluster_client(const cluster_client_options& options);
  ~cluster_client();
  cluster_client(const cluster_client&) = delete;
  cluster_client& operator=(const cluster_client&) = delete;

  /// Fails every pending call with `cancelled`, ends this client's actors, returns its leases
  /// and disconnects (the node manager then stops this client's workers). Idempotent.
  void stop(std::exception_ptr cancelled);

  void submit_task(std::unique_ptr<job> j, const task_options& options, std::span<cell* const> deps);

  std::shared_ptr<remote_actor> create_actor(std::unique_ptr<job> factory, const actor_options& options,
                                             const std::type_info& type, std::span<cell* const> deps,
                                             actor_id id);
  void call_actor(const std::shared_ptr<remote_actor>& actor, std::unique_ptr<job> call,
                  std::span<cell* const> deps);
  /// The last handle is gone: the actor finishes its queued calls, then ends.
  void release_actor(const std::shared_ptr<remote_actor>& actor);
  /// Ends the actor now; later calls fail with actor_died_error.
  void kill_actor(const std::shared_ptr<remote_actor>& actor, const std::string& why);

  /// A handle to actor `id` arrived from `from`'s peer: its calls go to the actor's host, which
  /// that peer names (locate_actor).
  std::shared_ptr<remote_actor> borrow_actor(const actor_id& id, const net::connection_ptr& from);
  /// A handle found by name in the head's directory.
  std::shared_ptr<remote_actor> borrow_actor_at(const cluster::named_actor& entry);
  /// Answers a locate_actor request for an actor this client created or borrowed.
  void serve_locate(const net::connection_ptr& c, const net::frame& request);

  /// Workers: a task of this process blocks in get() (true) or runs again (false).
  void report_blocked(bool blocked);

  /// Runs `fn` on the node connection's close (the worker's exit trigger).
  void on_node_lost(std::function<void(const std::string&)> fn);

  const std::string& node_id() const noexcept;
  const std::string& node_address() const noexcept;
  const std::string& token_hex() const noexcept;
  /// The node's shared store, as the node manager named it at registration (segment "": none).
  struct store_place {
    std::string segment, address, overflow;
  };
  store_place node_store() const;

  class impl;

 private:
  void end_actors(const std::vector<std::pair<net::connection_ptr, actor_id>>& hosts);

  std::shared_ptr<impl> impl_;
};

/// Runs `ready` once every cell in `deps` is complete (at once, on this thread, if they are).
void when_complete(std::span<cell* const> deps, std::function<void()> ready);

}  // namespace actors::detail
