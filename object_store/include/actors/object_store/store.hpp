#pragma once
/// store: the objects of one node, by id, in an arena. A writer creates an object, fills it and
/// seals it; from then on it is immutable and readers get it, which pins it in place, and
/// release it. remove() of a pinned object takes effect when the last pin goes. Copies that can
/// be fetched again (secondary copies) are marked evictable: when create() lacks room, unpinned
/// evictable sealed objects are evicted, least recently used first, before it gives up.
///
///     auto data = s.create(id, n);  std::memcpy(*data, src, n);  s.seal(id);
///     if (auto bytes = s.get(id)) { use(*bytes); s.release(id); }
///
/// Thread-safe: every member may be called from any thread.

#include <actors/expected.hpp>
#include <actors/object_store/arena.hpp>
#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

namespace actors::object_store {

class store {
 public:
  struct stats {
    std::uint64_t objects = 0;     // including removed ones that are still pinned
    std::uint64_t bytes_used = 0;  // arena bytes held by this store's objects
    std::uint64_t capacity = 0;    // of the arena
    std::uint64_t evictions = 0;   // since construction
  };

  explicit store(std::shared_ptr<arena> memory);
  /// Frees every object's memory, pinned or not.
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Room for `size` bytes, for the writer to fill before seal(). Errors: invalid_argument (nil
  /// id), already_exists, out_of_memory (after evicting what may be evicted).
  expected<std::byte*, errc> create(object_id id, std::uint64_t size);
  /// Makes the object readable. Errors: not_found, already_sealed.
  errc seal(object_id id);
  /// The sealed object's bytes, pinned (never moved, evicted or freed) until release().
  /// Errors: not_found (absent or removed), not_sealed.
  expected<std::span<const std::byte>, errc> get(object_id id);
  /// Drops one pin taken by get(). Releasing an object that has no pin is a bug and aborts.
  void release(object_id id);
  /// Deletes the object now if unpinned (an unsealed one too: that abandons its creation), else
  /// when its last pin is released; either way it is gone for get(). Errors: not_found.
  errc remove(object_id id);
  /// Marks an object as a copy that may be evicted (true) or must stay (false). Unknown ids are
  /// ignored: the object may have been evicted or removed already.
  void set_evictable(object_id id, bool evictable);
  /// Whether get() could find the object (sealed or not).
  bool contains(object_id id) const;
  stats statistics() const;

 private:
  struct entry {
    allocation block;
    std::uint64_t size = 0;  // as asked for; block.size may be larger
    std::uint64_t pins = 0;
    bool sealed = false;
    bool evictable = false;
    bool removed = false;  // remove() called while pinned: goes with the last pin
    bool listed = false;   // in lru_, at `lru`
    std::list<object_id>::iterator lru;
  };
  using table = std::unordered_map<object_id, entry>;

  void relist(table::iterator it);  // puts the entry in lru_ iff it may be evicted now
  void unlist(entry& e);
  void erase(table::iterator it);
  std::optional<allocation> allocate_evicting(std::uint64_t size);

  const std::shared_ptr<arena> memory_;
  mutable std::mutex mu_;
  table objects_;                 // guarded by mu_
  std::list<object_id> lru_;      // evictable now; front = least recently used; guarded by mu_
  std::uint64_t evictable_bytes_ = 0;  // block bytes of the objects in lru_; guarded by mu_
  std::uint64_t bytes_used_ = 0;       // guarded by mu_
  std::uint64_t evictions_ = 0;        // guarded by mu_
};

}  // namespace actors::object_store
