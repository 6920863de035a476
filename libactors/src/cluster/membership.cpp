#include "cluster/membership.hpp"

#include <cmath>

namespace actors::cluster {

namespace {

std::string check_amounts(const resource_map& resources) {
  for (const auto& [name, amount] : resources) {
    if (name.empty()) return "a resource has an empty name";
    if (!std::isfinite(amount) || amount < 0)
      return "resource '" + name + "' has amount " + std::to_string(amount) + "; amounts must be >= 0";
  }
  return {};
}

}  // namespace

membership::membership(std::chrono::milliseconds heartbeat_timeout) : timeout_(heartbeat_timeout) {}

register_reply membership::register_node(const node_info& info, clock::time_point now) {
  register_reply reply;
  if (info.node_id.empty()) {
    reply.reason = "the node id is empty";
    return reply;
  }
  if (auto bad = check_amounts(info.total); !bad.empty()) {
    reply.reason = bad;
    return reply;
  }
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(info.node_id); it != index_.end()) {
    row& r = rows_[it->second];
    if (!r.entry.alive) {
      reply.reason = "node " + info.node_id + " was declared dead (" + r.entry.death_reason +
                     "); it may join again as a new node";
      reply.declared_dead = true;
      return reply;
    }
    // The same node again, after a lost connection: keep its row, take its new description.
    r.entry.node = info;
    r.entry.available = info.total;
    r.last_heartbeat = now;
  } else {
    row r;
    r.entry.node = info;
    r.entry.available = info.total;
    r.last_heartbeat = now;
    index_.emplace(info.node_id, rows_.size());
    rows_.push_back(std::move(r));
  }
  reply.accepted = true;
  return reply;
}

heartbeat_reply membership::heartbeat(const std::string& node_id, const resource_map& available,
                                      clock::time_point now) {
  heartbeat_reply reply;
  std::lock_guard lock(mutex_);
  auto it = index_.find(node_id);
  if (it == index_.end()) {
    reply.standing = node_standing::unknown;
    return reply;
  }
  row& r = rows_[it->second];
  if (!r.entry.alive) {
    reply.standing = node_standing::dead;
    reply.reason = r.entry.death_reason;
    return reply;
  }
  // A heartbeat with a malformed view still proves life; the last good view is kept.
  if (check_amounts(available).empty()) r.entry.available = available;
  r.last_heartbeat = now;
  return reply;
}

bool membership::unregister(const std::string& node_id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(node_id);
  if (it == index_.end()) return false;
  row& r = rows_[it->second];
  if (r.entry.alive) {
    r.entry.alive = false;
    r.entry.death_reason = reason.empty() ? "stopped" : reason;
    r.entry.available.clear();
  }
  return true;
}

std::vector<std::string> membership::expire(clock::time_point now) {
  std::vector<std::string> died;
  std::lock_guard lock(mutex_);
  for (row& r : rows_) {
    if (!r.entry.alive || now - r.last_heartbeat <= timeout_) continue;
    auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - r.last_heartbeat);
    r.entry.alive = false;
    r.entry.death_reason = "no heartbeat for " + std::to_string(silent.count()) + " ms (timeout " +
                           std::to_string(timeout_.count()) + " ms)";
    r.entry.available.clear();
    died.push_back(r.entry.node.node_id);
  }
  return died;
}

cluster_status membership::snapshot(clock::time_point now) const {
  cluster_status status;
  status.heartbeat_timeout_ms = static_cast<std::uint32_t>(timeout_.count());
  std::lock_guard lock(mutex_);
  status.nodes.reserve(rows_.size());
  for (const row& r : rows_) {
    node_entry e = r.entry;
    auto since = std::chrono::duration_cast<std::chrono::milliseconds>(now - r.last_heartbeat);
    e.ms_since_heartbeat = since.count() > 0 ? static_cast<std::uint64_t>(since.count()) : 0;
    if (e.node.is_head) {
      status.head_node_id = e.node.node_id;
      status.head_address = e.node.address;
    }
    status.nodes.push_back(std::move(e));
  }
  return status;
}

}  // namespace actors::cluster
