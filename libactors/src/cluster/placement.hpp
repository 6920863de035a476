#pragma once
/// placement: which node a lease should be granted on — Ray's hybrid policy (docs/cluster.md,
/// "Scheduling across nodes"). A node manager asks it for every lease request its own clients
/// send; the answer is to grant here, to send the client to another node (spillback), to wait
/// here, or that no node of the cluster could ever fit the request.
///
///     node_load self{.node_id = id, .total = total, .available = free_now};
///     auto p = choose_node({{"CPU", 1}}, self, others_from_the_heads_view);
///     if (p.kind == placement_kind::elsewhere) reply_spillback(p.node->manager_address);
///
/// The policy: pack while the local node is below the spread threshold (50 %) of its busiest
/// requested resource and the request fits now; above it, prefer any node that fits now and is
/// below the threshold, else the least utilised node that fits now (local first on a tie);
/// when none fits now, wait here if this node could ever fit it, else go to the least utilised
/// node that could; when no node could, the request is infeasible. Pure; thread-safe.
#include "cluster/protocol.hpp"

#include <span>
#include <string>

namespace actors::cluster {

/// What the policy knows of a node: its capacity and what was free when last heard of.
struct node_load {
  std::string node_id;
  std::string manager_address;  // where its worker pool is dialled (both ways, reach.hpp)
  resource_map total;
  resource_map available;
};

enum class placement_kind : std::uint8_t { here, elsewhere, wait_here, infeasible };

struct placement {
  placement_kind kind = placement_kind::infeasible;
  const node_load* node = nullptr;  // elsewhere: the node to go to
};

inline constexpr double spread_threshold = 0.5;

/// How much of `name` `r` names (0 if none).
double amount_of(const resource_map& r, const std::string& name);
/// True when `available` has at least `want` of every resource it asks for.
bool fits_in(const resource_map& want, const resource_map& available);
/// True when `node` has at least `want` of every resource it asks for (free or not).
bool could_ever_fit(const resource_map& want, const node_load& node);
/// True when `want` fits in what `node` has free.
bool fits_now(const resource_map& want, const node_load& node);
/// The busiest of the requested resources on `node`: used / total, 0 when it asks for nothing.
double utilisation(const resource_map& want, const node_load& node);

placement choose_node(const resource_map& want, const node_load& self, std::span<const node_load> others,
                      double threshold = spread_threshold);

}  // namespace actors::cluster
