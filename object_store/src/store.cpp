#include <actors/object_store/store.hpp>

#include "check.hpp"

#include <algorithm>

namespace actors::object_store {

store::store(std::shared_ptr<arena> memory, std::unique_ptr<spill_folder> spill, std::shared_ptr<arena> overflow)
    : memory_(std::move(memory)), spill_(std::move(spill)), overflow_(std::move(overflow)) {
  detail::check(memory_ != nullptr, "store constructed without an arena");
}

store::~store() {
  // Spilled objects hold no memory; spill_ deletes their files when it goes, after this body.
  for (auto& [id, e] : objects_)
    if (!e.spilled) arena_of(e).deallocate(e.block);
}

bool store::overflowed(const allocation& block) const noexcept {
  if (!overflow_) return false;
  // In integers: comparing pointers into different objects is undefined.
  const auto at = reinterpret_cast<std::uintptr_t>(block.data);
  const auto base = reinterpret_cast<std::uintptr_t>(overflow_->base());
  return at >= base && at - base < overflow_->capacity();
}

bool store::in_overflow(std::span<const std::byte> bytes) const noexcept {
  return overflowed(allocation{.data = const_cast<std::byte*>(bytes.data())});
}

void store::account(entry& e, const allocation& block, int sign) {
  e.overflowed = overflowed(block);
  auto& bytes = e.overflowed ? overflow_bytes_ : bytes_used_;
  if (sign > 0) {
    bytes += block.size;
    if (e.overflowed) ++overflow_objects_;
  } else {
    bytes -= block.size;
    if (e.overflowed) --overflow_objects_;
  }
}

expected<std::byte*, errc> store::create(object_id id, std::uint64_t size) {
  if (id.nil()) return unexpected(errc::invalid_argument);
  if (size > memory_->capacity() && (!overflow_ || size > overflow_->capacity())) return unexpected(errc::too_large);
  std::unique_lock lock(mu_);
  if (objects_.contains(id)) return unexpected(errc::already_exists);
  auto block = allocate(lock, size);
  if (!block) return unexpected(block.error());
  // allocate() may have let go of the lock while it spilled: the id may have been taken since.
  auto [it, fresh] = objects_.try_emplace(id);
  if (!fresh) {
    (overflowed(*block) ? *overflow_ : *memory_).deallocate(*block);
    return unexpected(errc::already_exists);
  }
  it->second.block = *block;
  it->second.size = size;
  account(it->second, *block, +1);
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
  std::unique_lock lock(mu_);
  for (;;) {
    auto it = objects_.find(id);
    if (it == objects_.end() || it->second.removed) return unexpected(errc::not_found);
    auto& e = it->second;
    if (!e.sealed) return unexpected(errc::not_sealed);
    if (!e.spilled) {
      // Also while it is being spilled: the spiller sees the pin and keeps it in memory.
      ++e.pins;
      unlist(e);
      return std::span<const std::byte>(e.block.data, e.size);
    }
    if (e.io != io_state::restoring) return restore(lock, it);
    restored_.wait(lock);  // another get() is reading it back; it always ends, well or not
  }
}

void store::release(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  detail::check(it != objects_.end() && it->second.pins > 0, "release() of an object that get() did not pin");
  if (--it->second.pins > 0) return;
  settle(it);  // at the back of its list: just used
}

errc store::remove(object_id id) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.removed) return errc::not_found;
  it->second.removed = true;
  settle(it);
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

bool store::spilled(object_id id) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(id);
  return it != objects_.end() && !it->second.removed && it->second.spilled;
}

store::stats store::statistics() const {
  std::lock_guard lock(mu_);
  return {objects_.size(), bytes_used_,       memory_->capacity(), evictions_,        spilled_objects_,
          spilled_bytes_,  spills_,           restores_,           overflow_objects_, overflow_bytes_};
}

void store::relist(table::iterator it) {
  auto& e = it->second;
  const bool idle = e.sealed && e.pins == 0 && !e.removed && !e.spilled && e.io == io_state::none;
  // An object in the overflow arena is on disk already, and its room is not memory's: it is
  // neither evicted nor spilled to make room in memory.
  const auto want = !idle || e.overflowed ? list_kind::none
                    : e.evictable         ? list_kind::evict
                                          : list_kind::spill;
  if (e.listed == want) return;  // keeps its place
  unlist(e);
  if (want == list_kind::none) return;
  auto& list = want == list_kind::evict ? lru_ : spill_lru_;
  e.lru = list.insert(list.end(), it->first);
  e.listed = want;
  (want == list_kind::evict ? evictable_bytes_ : spillable_bytes_) += e.block.size;
}

void store::unlist(entry& e) {
  if (e.listed == list_kind::none) return;
  if (e.listed == list_kind::evict) {
    lru_.erase(e.lru);
    evictable_bytes_ -= e.block.size;
  } else {
    spill_lru_.erase(e.lru);
    spillable_bytes_ -= e.block.size;
  }
  e.listed = list_kind::none;
}

void store::settle(table::iterator it) {
  auto& e = it->second;
  if (!e.removed) return relist(it);
  unlist(e);
  if (e.pins == 0 && e.io == io_state::none) erase(it);
}

void store::erase(table::iterator it) {
  auto& e = it->second;
  unlist(e);
  if (e.spilled) {
    spill_->remove(it->first);
    --spilled_objects_;
    spilled_bytes_ -= e.size;
  } else {
    arena_of(e).deallocate(e.block);
    account(e, e.block, -1);
  }
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

expected<allocation, errc> store::allocate(std::unique_lock<std::mutex>& lock, std::uint64_t size) {
  auto block = allocate_in_memory(lock, size);
  if (block || !overflow_) return block;
  if (auto placed = overflow_->allocate(size)) return *placed;
  return block;  // why memory had no room
}

expected<allocation, errc> store::allocate_in_memory(std::unique_lock<std::mutex>& lock, std::uint64_t size) {
  if (auto block = allocate_evicting(size)) return *block;
  if (!spill_) return unexpected(errc::out_of_memory);
  // One spiller at a time: two would each write out victims for a room that one of them then
  // takes. io_mu_ comes before mu_, so mu_ is let go while waiting for it.
  lock.unlock();
  std::lock_guard spilling(io_mu_);
  lock.lock();
  for (;;) {
    if (auto block = allocate_evicting(size)) return *block;
    // Spill only when it can help, as eviction does: what is free, evictable and spillable
    // must cover the request, and the disk must take at least what free and evictable lack.
    const auto reclaimable = memory_->capacity() - memory_->used() + evictable_bytes_;
    if (spill_lru_.empty() || reclaimable + spillable_bytes_ < size) return unexpected(errc::out_of_memory);
    const auto victim = spill_lru_.front();
    const auto must_write = std::max(size - std::min(size, reclaimable), objects_.find(victim)->second.size);
    if (spill_->room() < must_write) return unexpected(errc::disk_full);
    if (const auto r = spill_one(lock, victim); r != errc::ok) return unexpected(r);
  }
}

errc store::spill_one(std::unique_lock<std::mutex>& lock, object_id id) {
  auto it = objects_.find(id);
  auto& e = it->second;  // references into the table survive rehashing; iterators do not
  unlist(e);
  e.io = io_state::spilling;
  const std::span<const std::byte> bytes(e.block.data, e.size);
  lock.unlock();
  // The object is sealed, so nobody writes it; readers that pin it meanwhile read alongside.
  const errc written = spill_->write(id, bytes);
  lock.lock();
  e.io = io_state::none;
  if (written == errc::ok) {
    if (e.pins > 0 || e.removed) {
      spill_->remove(id);  // a reader wants it in memory, or nobody wants it: the file is moot
    } else {
      memory_->deallocate(e.block);
      account(e, e.block, -1);
      e.block = {};
      e.spilled = true;
      ++spilled_objects_;
      spilled_bytes_ += e.size;
      ++spills_;
    }
  }
  settle(objects_.find(id));
  return written;
}

expected<std::span<const std::byte>, errc> store::restore(std::unique_lock<std::mutex>& lock,
                                                         table::iterator it) {
  const object_id id = it->first;
  auto& e = it->second;  // kept by io: remove() leaves the entry to this thread
  e.io = io_state::restoring;
  expected<std::span<const std::byte>, errc> result = unexpected(errc::not_found);
  auto block = allocate(lock, e.size);
  if (!block) {
    result = unexpected(block.error());
  } else {
    lock.unlock();
    const errc read = spill_->read(id, std::span<std::byte>(block->data, e.size));
    lock.lock();
    if (read != errc::ok || e.removed) {
      (overflowed(*block) ? *overflow_ : *memory_).deallocate(*block);
      // A missing file is an I/O failure too: the object exists, its bytes could not be had.
      if (read != errc::ok) result = unexpected(errc::io_error);
    } else {
      spill_->remove(id);
      --spilled_objects_;
      spilled_bytes_ -= e.size;
      ++restores_;
      e.spilled = false;
      e.block = *block;
      account(e, *block, +1);
      ++e.pins;
      result = std::span<const std::byte>(e.block.data, e.size);
    }
  }
  e.io = io_state::none;
  restored_.notify_all();
  settle(objects_.find(id));
  return result;
}

}  // namespace actors::object_store
