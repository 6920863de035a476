#include <actors/object_store/store.hpp>

#include "check.hpp"

namespace actors::object_store {

store::store(std::shared_ptr<arena> memory) : memory_(std::move(memory)) {
  detail::check(memory_ != nullptr, "store constructed without an arena");
}

store::~store() {
  for (auto& [id, e] : objects_) memory_->deallocate(e.block);
}

expected<std::byte*, errc> store::create(object_id id, std::uint64_t size) {
  if (id.nil()) return unexpected(errc::invalid_argument);
  std::lock_guard lock(mu_);
  auto [it, fresh] = objects_.try_emplace(id);
  if (!fresh) return unexpected(errc::already_exists);
  auto block = allocate_evicting(size);
  if (!block) {
    objects_.erase(it);
    return unexpected(errc::out_of_memory);
  }
  it->second.block = *block;
  it->second.size = size;
  bytes_used_ += block->size;
  return block->data;
}

errc store::seal(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.removed) return errc::not_found;
  if (it->second.sealed) return errc::already_sealed;
  it->second.sealed = true;
  relist(it);
  return errc::ok;
}

expected<std::span<const std::byte>, errc> store::get(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.removed) return unexpected(errc::not_found);
  auto& e = it->second;
  if (!e.sealed) return unexpected(errc::not_sealed);
  ++e.pins;
  unlist(e);
  return std::span<const std::byte>(e.block.data, e.size);
}

void store::release(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  detail::check(it != objects_.end() && it->second.pins > 0, "release() of an object that get() did not pin");
  if (--it->second.pins > 0) return;
  if (it->second.removed) return erase(it);
  relist(it);  // at the back: just used
}

errc store::remove(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.removed) return errc::not_found;
  if (it->second.pins == 0) {
    erase(it);
  } else {
    it->second.removed = true;
    unlist(it->second);
  }
  return errc::ok;
}

void store::set_evictable(object_id id, bool evictable) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.evictable == evictable) return;
  it->second.evictable = evictable;
  relist(it);
}

bool store::contains(object_id id) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  return it != objects_.end() && !it->second.removed;
}

store::stats store::statistics() const {
  std::lock_guard lock(mu_);
  return {objects_.size(), bytes_used_, memory_->capacity(), evictions_};
}

void store::relist(table::iterator it) {
  auto& e = it->second;
  const bool may_go = e.evictable && e.sealed && e.pins == 0 && !e.removed;
  if (!may_go) return unlist(e);
  if (e.listed) return;
  e.lru = lru_.insert(lru_.end(), it->first);
  e.listed = true;
  evictable_bytes_ += e.block.size;
}

void store::unlist(entry& e) {
  if (!e.listed) return;
  lru_.erase(e.lru);
  e.listed = false;
  evictable_bytes_ -= e.block.size;
}

void store::erase(table::iterator it) {
  unlist(it->second);
  memory_->deallocate(it->second.block);
  bytes_used_ -= it->second.block.size;
  objects_.erase(it);
}

std::optional<allocation> store::allocate_evicting(std::uint64_t size) {
  if (auto block = memory_->allocate(size)) return block;
  // Evict only when it can help: what is free plus what may go must cover the request, or the
  // copies would be lost for nothing. (It can still fail on fragmentation; that is the price.)
  const auto free_bytes = memory_->capacity() - memory_->used();
  if (size > memory_->capacity() || free_bytes + evictable_bytes_ < size) return std::nullopt;
  while (!lru_.empty()) {
    erase(objects_.find(lru_.front()));
    ++evictions_;
    if (auto block = memory_->allocate(size)) return block;
  }
  return std::nullopt;
}

}  // namespace actors::object_store
