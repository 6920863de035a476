#pragma once
/// worker_pool: the part of a node manager that owns the node's resources and its worker
/// processes (ARCHITECTURE.md §1, §5). It listens on the node's Unix socket, and on TCP for
/// clients on other hosts; drivers register there and ask for worker leases; workers started
/// from a driver's executable register there once they are ready to serve.
///
///     worker_pool pool(config);
///     if (auto ok = pool.start(); !ok) die(to_string(ok.error()));
///     // drivers connect to pool.address(), send request_lease, get a worker's address
///     pool.stop();   // kills every worker it started
///
/// Leases (docs/cluster.md, "Workers and leases"): a lease grants one worker process of the
/// asking client's executable while the lease's resources are subtracted from the node's. The
/// client pushes calls to that worker directly and returns the lease when it has no more work
/// of that shape; the worker then waits, idle, for the next lease of the same job (its driver,
/// or a worker of that driver submitting nested tasks). Workers are fate-shared with their
/// driver, and with the client they are leased to: when either disconnects they are killed. A
/// worker whose task blocks in get() lends its lease's CPUs back until it runs again.
///
/// Spillback (placement.hpp): a request that this node should not take — it is busy past the
/// spread threshold and another node is not, or only another node has the resources — is
/// answered with the address of the node to ask instead, from the head's node table (`view`).
/// The client registers there as a client of the same job; a job's workers on a node live as
/// long as some client of that job other than its own workers there is connected.
///
/// Not a CAF actor yet (docs/cluster.md, "Why not CAF actors yet"): handlers run on the
/// transport's io threads under one mutex; a ticker thread reaps exited workers.
#include "cluster/gpu_slots.hpp"
#include "cluster/node_store.hpp"
#include "cluster/placement.hpp"
#include "cluster/protocol.hpp"
#include "cluster/work_protocol.hpp"
#include "transport/address.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"
#include "transport/log.hpp"
#include "transport/token.hpp"

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace actors::cluster {

struct worker_pool_config {
  net::address listen;              // unix:<session>/sockets/node_<id8>.sock
  std::string node_ip;              // the pool and its workers also listen on TCP here ("": not)
  net::cluster_token token;
  std::filesystem::path token_file; // what workers read the token from
  std::filesystem::path logs;       // worker_<id8>.log files go here
  std::filesystem::path sockets;    // worker_<id8>.sock files go here
  std::filesystem::path executable_cache;  // programs pulled from clients, by SHA-256
  std::string node_id;
  std::string head_address;         // tcp://host:port, handed to workers
  resource_map total;
  std::vector<std::string> gpu_ids; // the device ids behind total["GPU"] (CUDA_VISIBLE_DEVICES)
  /// The head's node table, for spillback; empty function: this node alone.
  std::function<std::vector<node_entry>()> view;
  /// The node's shared store (node_store.hpp): its segment is named after `node_id` and sized by
  /// total["object_store_memory"]; none when that is 0 or absent.
  std::uint64_t store_prefault_ahead = 256ull << 20;
  /// Where its overflow file goes, and how large it may grow (0: no overflow file).
  std::filesystem::path spill_directory;
  std::uint64_t spill_limit = 0;
  /// How long a worker may take from spawn to registration (sanitizer builds start slowly).
  std::chrono::milliseconds worker_start_timeout{60'000};
  net::log_fn log;
};

class worker_pool {
 public:
  explicit worker_pool(worker_pool_config config);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  net::result<void> start();
  /// Closes the listener, kills every worker and waits for them (bounded). Idempotent.
  void stop();

  /// Where clients reach the pool, both ways (reach.hpp): unix:...|tcp://node_ip:port.
  std::string address() const;
  /// Free resources now: the total less what leases and actors hold, and object_store_memory
  /// less what the node's store holds.
  resource_map available() const;
  /// Live worker processes, for status and tests.
  std::size_t worker_count() const;

 private:
  struct worker;
  struct client;
  struct waiting_lease;
  /// What an actor holds for its life (set_resources), and the GPU devices behind it.
  struct hold {
    resource_map amounts;
    std::vector<std::string> gpus;
  };

  void serve(const net::connection_ptr& c, net::frame&& f);
  void on_closed(const net::connection_ptr& c);
  /// Where worker `id` listens for its clients.
  std::filesystem::path worker_socket(const std::string& id) const {
    return config_.sockets / ("worker_" + id.substr(0, 8) + ".sock");
  }
  void register_client(const net::connection_ptr& c, const net::frame& f);
  /// Gets the client's program by content hash (executables.hpp), then admits it.
  void pull_executable(const net::connection_ptr& c, std::shared_ptr<const net::frame> request, client_hello hello);
  /// Registers the client, whose workers run `runnable`, and answers its register_client.
  void admit(const net::connection_ptr& c, const net::frame& request, const client_hello& hello,
             const std::string& runnable);
  void request_lease(const net::connection_ptr& c, const net::frame& f, bool actor);
  void return_lease(const net::connection_ptr& c, const net::frame& f);
  void worker_blocked(const net::connection_ptr& c, bool blocked);
  void reply_lease(const net::connection_ptr& c, const net::frame& request, const lease_reply& answer);

  // With mutex_ held.
  /// Where a request of this node's own clients should go (placement.hpp).
  placement place_locked(const resource_map& want);
  /// Sends requests waiting here to other nodes that the latest view says can take them now.
  void spill_waiting_locked();
  void refresh_view_locked();
  node_load self_load_locked() const;
  lease_reply spillback_locked(const node_load& to, const resource_map& want);
  void grant_what_fits_locked();
  bool fits_locked(const resource_map& r) const;
  void take_locked(const resource_map& r);
  void give_back_locked(const resource_map& r);
  void give_back_hold_locked(const hold& h);
  std::shared_ptr<worker> idle_worker_locked(client& owner, bool actor_host, bool dedicated, double gpus);
  std::shared_ptr<worker> spawn_locked(client& owner, bool actor_host, double cpus, std::vector<std::string> gpus,
                                       bool detached = false);
  void answer_ready_locked(worker& w);
  void fail_waiting_of_locked(worker& w, const std::string& why);
  /// Ends the worker's task lease: its resources (those it did not lend out) come back.
  void release_lease_locked(worker& w);
  void forget_worker_locked(std::shared_ptr<worker> w, const std::string& why);  // by value: callers pass map entries it erases
  void drop_client_locked(client& cl);

  void reap_until_stopped();
  /// Tells every client of nodes the head declared dead since the last call (once each).
  void announce_deaths_locked();
  void log(net::log_level level, const std::string& line) const;

  worker_pool_config config_;
  std::unique_ptr<net::io_pool> io_;
  std::unique_ptr<node_store> store_;  // null: this node keeps no shared store
  std::shared_ptr<net::listener> listener_;
  std::shared_ptr<net::listener> tcp_listener_;
  std::thread reaper_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  resource_map available_;
  gpu_slots gpus_;
  std::vector<node_load> view_;    // the other nodes as the head last told (for comparison)
  std::vector<node_load> others_;  // the same, less what this pool has sent them since
  std::uint64_t next_lease_ = 1;
  std::map<const net::connection*, std::shared_ptr<client>> clients_;
  std::map<std::string, std::shared_ptr<worker>> workers_;  // by worker id
  std::deque<std::shared_ptr<waiting_lease>> waiting_;
  std::vector<pid_t> unreaped_;  // workers forgotten but not yet waited for
  std::set<std::string> dead_nodes_;  // announced to clients already
};

}  // namespace actors::cluster
