#pragma once
/// membership: the head's node table (ARCHITECTURE.md §1, §6). Nodes register, send heartbeats
/// with their free resources, and leave; a node silent for longer than the timeout is declared
/// dead. A dead node id stays dead: its work has been given up on, so a node that comes back
/// after a partition must register as a new node (Ray does the same).
///
///     membership table(std::chrono::seconds(5));
///     table.register_node(info, clock::now());
///     table.heartbeat(id, available, clock::now());     // node_standing::alive
///     for (auto& id : table.expire(clock::now())) log("node " + id + " is dead");
///
/// Time is passed in, never read, so tests drive it by hand. Thread-safe (one mutex): the head
/// calls it from the transport's io threads and from its expiry ticker.
#include "cluster/protocol.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace actors::cluster {

class membership {
 public:
  using clock = std::chrono::steady_clock;

  explicit membership(std::chrono::milliseconds heartbeat_timeout);

  /// Adds the node, or refreshes it if this id is already registered and alive (a node that
  /// lost its connection and registers again). Refused for an id declared dead, an empty id or
  /// a negative resource amount; `reason` says which.
  register_reply register_node(const node_info& info, clock::time_point now);

  /// Records a sign of life and the node's free resources.
  heartbeat_reply heartbeat(const std::string& node_id, const resource_map& available,
                            clock::time_point now);

  /// The node is leaving on purpose: marked dead at once with `reason`. False if unknown.
  bool unregister(const std::string& node_id, const std::string& reason);

  /// Declares dead every alive node whose last heartbeat is older than the timeout; returns
  /// their ids (each once).
  std::vector<std::string> expire(clock::time_point now);

  /// The table as the protocol carries it, in registration order.
  cluster_status snapshot(clock::time_point now) const;

  std::chrono::milliseconds heartbeat_timeout() const noexcept { return timeout_; }

 private:
  struct row {
    node_entry entry;
    clock::time_point last_heartbeat;
  };

  const std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::vector<row> rows_;  // registration order; nodes are few, a scan is cheap
  std::unordered_map<std::string, std::size_t> index_;  // node id → position in rows_
};

}  // namespace actors::cluster
