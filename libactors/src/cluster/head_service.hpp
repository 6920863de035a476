#pragma once
/// head_service: the control service of a cluster, for now its membership part: it listens on
/// TCP (other hosts) and on a Unix socket (this host), answers register_node, heartbeat,
/// unregister_node and get_cluster_status, and declares nodes dead when they fall silent.
/// The head is also a node: its own row is in the table and stays alive while it runs.
///
///     head_service head(config);
///     if (auto ok = head.start(); !ok) die(to_string(ok.error()));
///     std::cout << head.tcp_address().to_string();      // tcp://10.0.0.5:6379
///     head.stop();                                      // or the destructor
///
/// Not yet a CAF actor (ARCHITECTURE.md §3): requests are served on the transport's io threads
/// under membership's mutex, and a ticker thread expires silent nodes; docs/cluster.md says
/// when this becomes an actor. start/stop from one thread; the accessors from any.
#include "cluster/actor_directory.hpp"
#include "cluster/membership.hpp"
#include "transport/address.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"
#include "transport/log.hpp"
#include "transport/token.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace actors::cluster {

struct head_config {
  net::address tcp_listen;            // e.g. tcp://0.0.0.0:6379; port 0 for any free port
  std::optional<net::address> unix_listen;  // unix:<session>/sockets/head.sock
  std::string advertised_host;        // the host other nodes dial (the head's node IP)
  net::cluster_token token;
  node_info self;                     // the head's own node; address is filled in by start()
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds heartbeat_timeout{5000};
  net::log_fn log;                    // empty: standard error
};

class head_service {
 public:
  explicit head_service(head_config config);
  ~head_service();
  head_service(const head_service&) = delete;
  head_service& operator=(const head_service&) = delete;

  /// Opens the listeners and starts serving. errc::invalid_argument for a timeout that is not
  /// at least twice the interval; the transport's errors for an address that cannot be used.
  net::result<void> start();
  /// Where the head's own node learns what it has free (its worker pool, started after the
  /// head); until then it reports everything free.
  void report_available(std::function<resource_map()> available);
  /// The head's own worker pool listens at `address` (both ways, reach.hpp): started after the
  /// head, it is announced here so that other nodes can spill leases over to the head's node.
  void announce_manager(const std::string& address);
  /// Closes the listeners (removing the Unix socket file) and stops the ticker. Idempotent.
  void stop();

  /// The address nodes and drivers use: tcp://<advertised host>:<real port>.
  const net::address& tcp_address() const noexcept { return advertised_; }
  const std::string& node_id() const noexcept { return config_.self.node_id; }
  cluster_status status() const;

 private:
  void serve(const net::connection_ptr& c, net::frame&& f);
  void tick_until_stopped();
  void log(net::log_level level, const std::string& line) const;

  head_config config_;
  membership table_;
  actor_directory names_;
  net::address advertised_;
  std::unique_ptr<net::io_pool> io_;
  std::shared_ptr<net::listener> tcp_;
  std::shared_ptr<net::listener> unix_;
  std::thread ticker_;
  std::mutex stop_mutex_;  // also guards available_
  std::function<resource_map()> available_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace actors::cluster
