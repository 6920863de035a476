#pragma once
// head_link: a cluster driver's way to the head, for what only the head knows (the node table
// behind nodes(), cluster_resources() and available_resources()), and join_cluster(), which
// turns a fresh runtime into a cluster client (docs/cluster.md, "Drivers").
//
// Thread-safety: every member is safe to call from any thread; those that ask the head block
// for one request, bounded by a timeout.

#include <actors/config.hpp>

#include "cluster/protocol.hpp"
#include "transport/connection.hpp"
#include "transport/io_pool.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace actors::detail {

class runtime;

struct cluster_view {
  std::vector<node_info> nodes;
  std::map<std::string, double> total;      // of live nodes
  std::map<std::string, double> available;  // of live nodes; every key of total
};

class head_link {
 public:
  /// Connects to the head at `address` (tcp://host:port); throws actors::error if it cannot.
  /// The connection stays open: the names this process registers live as long as it does.
  head_link(std::string address, const std::string& token_hex);
  ~head_link();
  head_link(const head_link&) = delete;
  head_link& operator=(const head_link&) = delete;

  /// The head's node table now; throws actors::error when the head does not answer in time.
  cluster_view view() const;
  const std::string& address() const noexcept { return address_; }

  // Named actors (docs/cluster.md, "Named actors").
  /// "" once the name is this actor's, else why not; throws when the head does not answer.
  std::string register_name(const cluster::named_actor& a) const;
  /// The actor of that name, if any; throws when the head does not answer.
  std::optional<cluster::named_actor> lookup_name(const std::string& ns, const std::string& name) const;
  /// One-way and non-blocking (callable with locks held): the actor's host is `a.address`.
  void actor_placed(const cluster::named_actor& a) const;
  /// One-way and non-blocking: the name is free again if it still names `a`.
  void unregister_name(const cluster::named_actor& a) const;
  /// This process hosts detached actor `a` (id only): its name, if it has one, lasts while this
  /// process is connected, past its creator. Blocks for the head's answer.
  void adopt_name(const cluster::named_actor& a) const;

 private:
  net::frame ask(net::message m, cluster::kind expected) const;

  std::string address_;  // tcp://host:port
  std::unique_ptr<net::io_pool> io_;
  net::connection_ptr conn_;
};

/// Connects `rt` to the cluster whose head is at `address` ("host:port"): finds the cluster
/// token (cfg.token, $ACTORS_TOKEN, $ACTORS_TOKEN_FILE, or the session of the cluster started
/// on this machine), asks the head for the node on this machine, and registers with that
/// node's manager. Throws actors::error saying what is missing.
void join_cluster(runtime& rt, const config& cfg, const std::string& address);

}  // namespace actors::detail
