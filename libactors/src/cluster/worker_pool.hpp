#pragma once
/// worker_pool: the part of a node manager that owns the node's resources and its worker
/// processes (ARCHITECTURE.md §1, §5). It listens on the node's Unix socket; drivers register
/// there and ask for worker leases; workers started from a driver's executable register there
/// once they are ready to serve.
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
/// worker whose task blocks in get() lends its lease's resources back until it runs again.
///
/// Not a CAF actor yet (docs/cluster.md, "Why not CAF actors yet"): handlers run on the
/// transport's io threads under one mutex; a ticker thread reaps exited workers.
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
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace actors::cluster {

struct worker_pool_config {
  net::address listen;              // unix:<session>/sockets/node_<id8>.sock
  net::cluster_token token;
  std::filesystem::path token_file; // what workers read the token from
  std::filesystem::path logs;       // worker_<id8>.log files go here
  std::filesystem::path sockets;    // worker_<id8>.sock files go here
  std::string node_id;
  std::string head_address;         // tcp://host:port, handed to workers
  resource_map total;
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

  const net::address& address() const noexcept { return config_.listen; }
  /// Free resources now: the total less what leases and actors hold.
  resource_map available() const;
  /// Live worker processes, for status and tests.
  std::size_t worker_count() const;

 private:
  struct worker;
  struct client;
  struct waiting_lease;

  void serve(const net::connection_ptr& c, net::frame&& f);
  void on_closed(const net::connection_ptr& c);
  /// Where worker `id` listens for its clients.
  std::filesystem::path worker_socket(const std::string& id) const {
    return config_.sockets / ("worker_" + id.substr(0, 8) + ".sock");
  }
  void register_client(const net::connection_ptr& c, const net::frame& f);
  void request_lease(const net::connection_ptr& c, const net::frame& f, bool actor);
  void return_lease(const net::connection_ptr& c, const net::frame& f);
  void worker_blocked(const net::connection_ptr& c, bool blocked);

  // With mutex_ held.
  void grant_what_fits_locked();
  bool fits_locked(const resource_map& r) const;
  void take_locked(const resource_map& r);
  void give_back_locked(const resource_map& r);
  std::shared_ptr<worker> idle_worker_locked(client& owner, bool actor_host, bool dedicated);
  std::shared_ptr<worker> spawn_locked(client& owner, bool actor_host, double cpus);
  void answer_ready_locked(worker& w);
  void fail_waiting_of_locked(worker& w, const std::string& why);
  void forget_worker_locked(std::shared_ptr<worker> w, const std::string& why);  // by value: callers pass map entries it erases
  void drop_client_locked(client& cl);

  void reap_until_stopped();
  void log(net::log_level level, const std::string& line) const;

  worker_pool_config config_;
  std::unique_ptr<net::io_pool> io_;
  std::shared_ptr<net::listener> listener_;
  std::thread reaper_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  resource_map available_;
  std::uint64_t next_lease_ = 1;
  std::map<const net::connection*, std::shared_ptr<client>> clients_;
  std::map<std::string, std::shared_ptr<worker>> workers_;  // by worker id
  std::deque<std::shared_ptr<waiting_lease>> waiting_;
  std::vector<pid_t> unreaped_;  // workers forgotten but not yet waited for
};

}  // namespace actors::cluster
