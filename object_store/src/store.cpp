#include <actors/object_store/store.hpp>

namespace actors::object_store {

store::store(std::shared_ptr<arena> memory) : memory_(std::move(memory)) {}

store::~store() {
  for (auto& [id, e] : objects_) memory_->deallocate(e.block);
}

expected<std::byte*, errc> store::create(object_id id, std::uint64_t size) {
  std::lock_guard lock(mu_);
  if (objects_.count(id)) return unexpected{errc::already_exists};
  auto block = memory_->allocate(size);
  while (!block && evict_one_locked()) block = memory_->allocate(size);
  if (!block) return unexpected{errc::out_of_memory};
  entry e;
  e.block = *block;
  e.size = size;
  e.lru = lru_.end();
  objects_.emplace(id, e);
  return block->data;
}

errc store::seal(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end()) return errc::not_found;
  if (it->second.sealed) return errc::already_sealed;
  it->second.sealed = true;
  if (it->second.evictable) it->second.lru = lru_.insert(lru_.end(), id);
  return errc::ok;
}

expected<std::span<const std::byte>, errc> store::get(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.removed) return unexpected{errc::not_found};
  auto& e = it->second;
  if (!e.sealed) return unexpected{errc::not_sealed};
  if (e.pins++ == 0 && e.lru != lru_.end()) {  // pinned objects cannot be evicted
    lru_.erase(e.lru);
    e.lru = lru_.end();
  }
  return std::span<const std::byte>(e.block.data, e.size);
}

void store::release(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.pins == 0) return;
  auto& e = it->second;
  if (--e.pins != 0) return;
  if (e.removed) return erase_locked(it);
  if (e.evictable) e.lru = lru_.insert(lru_.end(), id);  // most recently used at the back
}

errc store::remove(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.removed) return errc::not_found;
  if (it->second.pins > 0) {
    it->second.removed = true;
    return errc::ok;
  }
  erase_locked(it);
  return errc::ok;
}

void store::set_evictable(object_id id, bool evictable) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  auto& e = it->second;
  e.evictable = evictable;
  bool listed = e.lru != lru_.end();
  if (evictable && !listed && e.sealed && e.pins == 0) e.lru = lru_.insert(lru_.end(), id);
  if (!evictable && listed) {
    lru_.erase(e.lru);
    e.lru = lru_.end();
  }
}

bool store::contains(object_id id) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  return it != objects_.end() && !it->second.removed;
}

store::stats store::statistics() const {
  std::lock_guard lock(mu_);
  return {objects_.size(), memory_->used(), memory_->capacity(), evictions_};
}

void store::erase_locked(std::unordered_map<object_id, entry>::iterator it) {
  if (it->second.lru != lru_.end()) lru_.erase(it->second.lru);
  memory_->deallocate(it->second.block);
  objects_.erase(it);
}

bool store::evict_one_locked() {
  if (lru_.empty()) return false;
  erase_locked(objects_.find(lru_.front()));
  ++evictions_;
  return true;
}

}  // namespace actors::object_store
