#include "cluster/gpu_slots.hpp"

#include <cmath>

namespace actors::cluster {

namespace {
constexpr double epsilon = 1e-9;

// How many devices a request takes, and how much of each.
std::size_t devices_for(double amount) { return amount >= 1 ? static_cast<std::size_t>(std::ceil(amount - epsilon)) : 1; }
double share_for(double amount) { return amount >= 1 ? 1.0 : amount; }
}  // namespace

gpu_slots::gpu_slots(std::vector<std::string> ids) : order_(std::move(ids)) {
  for (const auto& id : order_) free_[id] = 1.0;
}

std::optional<std::vector<std::string>> gpu_slots::take(double amount) {
  if (amount <= 0) return std::vector<std::string>{};
  const double share = share_for(amount);
  std::vector<std::string> ids;
  // A share goes to the fullest device it fits on, keeping whole devices free for whole requests.
  if (share < 1) {
    const std::string* best = nullptr;
    for (const auto& id : order_)
      if (free_[id] + epsilon >= share && (!best || free_[id] < free_[*best])) best = &id;
    if (!best) return std::nullopt;
    ids.push_back(*best);
  } else {
    for (const auto& id : order_)
      if (ids.size() < devices_for(amount) && free_[id] + epsilon >= 1) ids.push_back(id);
    if (ids.size() < devices_for(amount)) return std::nullopt;
  }
  for (const auto& id : ids) free_[id] -= share;
  return ids;
}

bool gpu_slots::take_these(const std::vector<std::string>& ids, double amount) {
  if (ids.size() != devices_for(amount)) return false;
  const double share = share_for(amount);
  for (const auto& id : ids)
    if (!free_.contains(id) || free_[id] + epsilon < share) return false;
  for (const auto& id : ids) free_[id] -= share;
  return true;
}

bool gpu_slots::can_take(double amount) const {
  if (amount <= 0) return true;
  auto copy = *this;
  return copy.take(amount).has_value();
}

void gpu_slots::give_back(const std::vector<std::string>& ids, double amount) {
  const double share = share_for(amount);
  for (const auto& id : ids)
    if (auto it = free_.find(id); it != free_.end()) it->second = std::min(1.0, it->second + share);
}

std::string gpu_slots::visible_devices(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : ",") + id;
  return s;
}

}  // namespace actors::cluster
