#include "cluster/placement.hpp"

#include <algorithm>

namespace actors::cluster {

namespace {
constexpr double epsilon = 1e-9;

}  // namespace

double amount_of(const resource_map& r, const std::string& name) {
  auto it = r.find(name);
  return it == r.end() ? 0.0 : it->second;
}

bool fits_in(const resource_map& want, const resource_map& available) {
  for (const auto& [name, amount] : want)
    if (amount > 0 && amount_of(available, name) + epsilon < amount) return false;
  return true;
}

bool could_ever_fit(const resource_map& want, const node_load& node) { return fits_in(want, node.total); }

bool fits_now(const resource_map& want, const node_load& node) { return fits_in(want, node.available); }

double utilisation(const resource_map& want, const node_load& node) {
  double busiest = 0;
  for (const auto& [name, amount] : want) {
    if (amount <= 0) continue;
    double total = amount_of(node.total, name);
    if (total <= 0) return 1;
    double used = total - std::max(0.0, amount_of(node.available, name));
    busiest = std::max(busiest, used / total);
  }
  return busiest;
}

placement choose_node(const resource_map& want, const node_load& self, std::span<const node_load> others,
                      double threshold) {
  const bool here_fits = fits_now(want, self);
  const double here_load = utilisation(want, self);
  if (here_fits && here_load < threshold) return {placement_kind::here};

  // Nodes that fit now: the first below the threshold (packing: in the order given, which the
  // caller keeps stable), else the least utilised, this node winning ties.
  const node_load* below = nullptr;
  const node_load* least = here_fits ? &self : nullptr;
  double least_load = here_fits ? here_load : 2;
  for (const auto& n : others) {
    if (!fits_now(want, n)) continue;
    double load = utilisation(want, n);
    if (load < threshold && !below) below = &n;
    if (load < least_load) least = &n, least_load = load;
  }
  if (below) return {placement_kind::elsewhere, below};
  if (least == &self) return {placement_kind::here};
  if (least) return {placement_kind::elsewhere, least};

  // Nothing fits now: queue where it could ever fit, here first.
  if (could_ever_fit(want, self)) return {placement_kind::wait_here};
  const node_load* able = nullptr;
  double able_load = 2;
  for (const auto& n : others) {
    if (!could_ever_fit(want, n)) continue;
    double load = utilisation(want, n);
    if (load < able_load) able = &n, able_load = load;
  }
  if (able) return {placement_kind::elsewhere, able};
  return {placement_kind::infeasible};
}

}  // namespace actors::cluster
