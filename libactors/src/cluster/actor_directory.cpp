#include "cluster/actor_directory.hpp"

namespace actors::cluster {

std::string actor_directory::add(const void* owner, const named_actor& a) {
  if (a.name.empty()) return "an actor name must not be empty";
  std::lock_guard lock(mu_);
  auto [it, fresh] = names_.try_emplace({a.ns, a.name}, entry{a, owner});
  if (!fresh) return "an actor named '" + a.name + "' already exists in namespace '" + a.ns + "'";
  return {};
}

void actor_directory::placed(std::uint64_t hi, std::uint64_t lo, const std::string& address) {
  std::lock_guard lock(mu_);
  for (auto& [key, e] : names_)
    if (e.actor.id_hi == hi && e.actor.id_lo == lo) e.actor.address = address;
}

bool actor_directory::adopt(const void* host, std::uint64_t hi, std::uint64_t lo) {
  std::lock_guard lock(mu_);
  for (auto& [key, e] : names_)
    if (e.actor.id_hi == hi && e.actor.id_lo == lo) {
      e.host = host;
      return true;
    }
  return false;
}

void actor_directory::remove(const named_actor& a) {
  std::lock_guard lock(mu_);
  auto it = names_.find({a.ns, a.name});
  if (it != names_.end() && it->second.actor.id_hi == a.id_hi && it->second.actor.id_lo == a.id_lo) names_.erase(it);
}

void actor_directory::drop_owner(const void* connection) {
  std::lock_guard lock(mu_);
  for (auto it = names_.begin(); it != names_.end();) {
    auto& e = it->second;
    if (e.owner == connection) e.owner = nullptr;
    if (e.host == connection) e.host = nullptr;
    it = !e.owner && !e.host ? names_.erase(it) : std::next(it);
  }
}

std::optional<named_actor> actor_directory::find(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = names_.find({ns, name});
  if (it == names_.end()) return std::nullopt;
  return it->second.actor;
}

}  // namespace actors::cluster
