#pragma once
/// store: the objects of one node, by id, in an arena. A writer creates an object, fills it and
/// seals it; readers get it (which pins it in place) and release it. An object removed while
/// pinned goes when its last pin does. Secondary copies can be marked evictable: when create()
/// lacks room, unpinned evictable objects go first, least recently used first.
///
///     auto data = s.create(id, n);  std::memcpy(*data, src, n);  s.seal(id);
///     auto bytes = s.get(id);  use(*bytes);  s.release(id);
///
/// Thread-safe: every member may be called from any thread.

#include <actors/expected.hpp>
#include <actors/object_store/arena.hpp>
#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>

namespace actors::object_store {

class store {
 public:
  struct stats {
    std::uint64_t objects = 0, bytes_used = 0, capacity = 0, evictions = 0;
  };

  explicit store(std::shared_ptr<arena> memory);
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Room for an object of `size` bytes, to be filled and then sealed.
  expected<std::byte*, errc> create(object_id id, std::uint64_t size);
  errc seal(object_id id);
  /// The sealed object's bytes, pinned until release().
  expected<std::span<const std::byte>, errc> get(object_id id);
  void release(object_id id);
  /// Deletes now if unpinned, else once the last pin is released.
  errc remove(object_id id);
  void set_evictable(object_id id, bool evictable);
  bool contains(object_id id) const;
  stats statistics() const;

 private:
  struct entry {
    allocation block;
    std::uint64_t size = 0;
    std::uint32_t pins = 0;
    bool sealed = false;
    bool evictable = false;
    bool removed = false;
    std::list<object_id>::iterator lru;  // valid while evictable
  };
  void erase_locked(std::unordered_map<object_id, entry>::iterator it);
  bool evict_one_locked();

  std::shared_ptr<arena> memory_;
  mutable std::mutex mu_;
  std::unordered_map<object_id, entry> objects_;
  std::list<object_id> lru_;  // evictable, unpinned objects; front = least recently used
  std::uint64_t evictions_ = 0;
};

}  // namespace actors::object_store
