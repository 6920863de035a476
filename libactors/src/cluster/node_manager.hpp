#pragma once
/// node_manager: the part of a node that keeps it in the cluster. It connects to the head,
/// registers the node with its resources, then sends a heartbeat every interval the head asked
/// for. A lost connection is retried (the node stays registered until the head's timeout runs
/// out); a head that restarted and no longer knows the node gets a fresh registration. A head
/// that refuses the node ends it (`on_fatal` says why); one that declared it dead ends this id
/// (`on_declared_dead`, if set: the node may join again under a new one).
///
///     node_manager node(config);
///     node.start();                           // returns at once; registration runs behind
///     node.wait_registered(10s);               // optional: true once the head has accepted
///     node.stop();                             // tells the head it leaves, then disconnects
///
/// Not yet a CAF actor (docs/cluster.md): one thread of its own runs the loop and blocks on the
/// transport's futures with timeouts. start/stop from one thread; the rest from any.
#include "cluster/protocol.hpp"
#include "transport/address.hpp"
#include "transport/io_pool.hpp"
#include "transport/options.hpp"
#include "transport/log.hpp"
#include "transport/token.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace actors::cluster {

struct node_config {
  net::address head;
  net::cluster_token token;
  node_info self;
  /// Used until the head's register reply names its own interval.
  std::chrono::milliseconds heartbeat_interval{500};
  /// How long a registered node keeps trying to reach a head that went away before it ends
  /// itself (on_fatal): its workers and the drivers on it then hear of it, instead of waiting.
  std::chrono::milliseconds head_lost_timeout{60'000};
  /// Runs once, on the node manager's thread, when the head ends this node. Must return
  /// promptly and must not call stop() (stop joins that thread).
  std::function<void(const std::string& why)> on_fatal;
  /// Runs instead of on_fatal when the head ended this node because it declared it dead (it
  /// fell silent, and speaks again): nothing it had is trusted any more, but the machine may
  /// join again under a new id (the CLI's node daemon does). Same rules as on_fatal.
  std::function<void(const std::string& why)> on_declared_dead;
  /// What the node has free now, sent with each heartbeat (its worker pool's view); empty: all.
  std::function<resource_map()> available;
  net::log_fn log;
};

class node_manager {
 public:
  explicit node_manager(node_config config);
  ~node_manager();
  node_manager(const node_manager&) = delete;
  node_manager& operator=(const node_manager&) = delete;

  void start();
  /// Sends unregister_node (bounded, best effort: the head may be gone), then stops the loop
  /// and closes the connection. Idempotent.
  void stop(const std::string& reason = "stopped");

  /// Blocks until the head has accepted the registration, the node was refused, or `timeout`.
  /// True only for the first. `why` (if given) says what went wrong otherwise.
  bool wait_registered(std::chrono::milliseconds timeout, std::string* why = nullptr);

  const std::string& node_id() const noexcept { return config_.self.node_id; }

  /// The head's node table as of the last heartbeat (empty before the first): what the node's
  /// worker pool spills leases over by.
  std::vector<node_entry> view() const;

 private:
  enum class outcome { keep_going, reconnect, fatal };

  void run();
  outcome connect_and_register();
  outcome send_heartbeat();
  /// Ends this node: on_declared_dead when `declared_dead` and set, else on_fatal.
  void fail_fatally(const std::string& why, bool declared_dead = false);
  bool sleep_for(std::chrono::milliseconds d);  // false once stopping
  void log(net::log_level level, const std::string& line) const;

  node_config config_;
  std::unique_ptr<net::io_pool> io_;
  std::thread thread_;
  net::connection_ptr head_;  // loop thread only, until stop() has joined it

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable cv_;
  bool stopping_ = false;
  bool registered_ = false;
  bool fatal_ = false;
  std::string last_problem_;
  std::chrono::milliseconds interval_;
  std::vector<node_entry> view_;
};

}  // namespace actors::cluster
