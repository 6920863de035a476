#pragma once
/// store: the objects of one node, by id, in an arena. A writer creates an object, fills it and
/// seals it; from then on it is immutable and readers get it, which pins it in place, and
/// release it. remove() of a pinned object takes effect when the last pin goes.
///
/// When create() lacks room it first evicts copies that can be fetched again (secondary copies,
/// marked evictable), least recently used first. If that is not enough and the store has a
/// spill_folder, it then writes unpinned sealed primary copies to disk, least recently used
/// first, and frees their memory; get() of a spilled object reads it back into the arena
/// (spilling others if it must) and pins it. Without a spill folder, create() fails instead.
///
/// With an overflow arena (a file on disk, arena_options::file_path), an object that finds no
/// room in memory after all that is placed there instead: it stays in place, readable in place
/// by other processes like any other, while the kernel writes its pages to disk and reads them
/// back on access. That is how a node whose objects are all in use (pinned) still takes more.
///
///     auto data = s.create(id, n);  std::memcpy(*data, src, n);  s.seal(id);
///     if (auto bytes = s.get(id)) { use(*bytes); s.release(id); }
///
/// Another process on the node reads an object in place through an attached_arena, at
/// arena::offset_of(bytes->data()), for as long as the store process keeps it pinned for it.
///
/// Thread-safe: every member may be called from any thread. Disk I/O runs without the store's
/// lock, so reads of objects in memory never wait for a spill or a restore of another object;
/// one thread spills at a time.

#include <actors/expected.hpp>
#include <actors/object_store/arena.hpp>
#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>
#include <actors/object_store/spill_folder.hpp>

#include <condition_variable>
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
    std::uint64_t objects = 0;          // in memory or on disk, with removed ones still pinned
    std::uint64_t bytes_used = 0;       // arena bytes held by this store's objects
    std::uint64_t capacity = 0;         // of the arena
    std::uint64_t evictions = 0;        // since construction
    std::uint64_t spilled_objects = 0;  // on disk now
    std::uint64_t spilled_bytes = 0;    // their sizes
    std::uint64_t spills = 0;           // objects written to disk since construction
    std::uint64_t restores = 0;         // objects read back from disk since construction
    std::uint64_t overflow_objects = 0;  // in the overflow arena now
    std::uint64_t overflow_bytes = 0;    // its bytes they hold
  };

  /// A store of the objects in `memory`; with `spill`, one that spills to that folder when full;
  /// with `overflow`, one that places objects there when memory is full (and spilling fails).
  explicit store(std::shared_ptr<arena> memory, std::unique_ptr<spill_folder> spill = nullptr,
                 std::shared_ptr<arena> overflow = nullptr);
  /// Frees every object's memory, pinned or not, and deletes the spill files.
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Room for `size` bytes, for the writer to fill before seal(). Errors: invalid_argument (nil
  /// id), already_exists, too_large (more than the capacity of the arena and of the overflow
  /// arena, so never), out_of_memory
  /// (no room even after evicting and spilling what may go: the rest is pinned, unsealed or
  /// fragmented), disk_full (spilling would make room, but the spill folder has none),
  /// io_error (a spill file could not be written).
  expected<std::byte*, errc> create(object_id id, std::uint64_t size);
  /// Makes the object readable. Errors: not_found, already_sealed.
  errc seal(object_id id);
  /// The sealed object's bytes, pinned (never moved, evicted, spilled or freed) until release().
  /// A spilled object is read back into the arena first; concurrent get()s of it wait for that
  /// one restore. Errors: not_found (absent or removed), not_sealed, and for a spilled object
  /// those of create() (its room is made the same way) and io_error (its file could not be read;
  /// it stays on disk).
  expected<std::span<const std::byte>, errc> get(object_id id);
  /// Drops one pin taken by get(). Releasing an object that has no pin is a bug and aborts.
  void release(object_id id);
  /// Deletes the object now if unpinned (an unsealed one too: that abandons its creation; a
  /// spilled one: its file goes), else when its last pin is released; either way it is gone for
  /// get(). Errors: not_found.
  errc remove(object_id id);
  /// Marks an object as a copy that may be evicted (true) or must stay (false). Unknown ids are
  /// ignored: the object may have been evicted or removed already.
  void set_evictable(object_id id, bool evictable);
  /// Whether get() could find the object (sealed or not, in memory or spilled).
  bool contains(object_id id) const;
  /// Whether the object is on disk now (false for unknown ids).
  bool spilled(object_id id) const;
  stats statistics() const;
  const std::shared_ptr<arena>& memory() const noexcept { return memory_; }
  /// The overflow arena, or null.
  const std::shared_ptr<arena>& overflow() const noexcept { return overflow_; }
  /// Whether `bytes`, from get(), lie in the overflow arena rather than in memory().
  bool in_overflow(std::span<const std::byte> bytes) const noexcept;

 private:
  enum class io_state : std::uint8_t { none, spilling, restoring };  // a thread works on it unlocked
  enum class list_kind : std::uint8_t { none, evict, spill };
  struct entry {
    allocation block;        // empty while spilled
    std::uint64_t size = 0;  // as asked for; block.size may be larger
    std::uint64_t pins = 0;
    bool sealed = false;
    bool evictable = false;
    bool removed = false;  // remove() called while pinned or busy: goes when both end
    bool spilled = false;  // the bytes are in the spill folder, not in the arena
    bool overflowed = false;  // block is in the overflow arena; it never spills
    io_state io = io_state::none;  // while not none, only the thread doing it erases the entry
    list_kind listed = list_kind::none;
    std::list<object_id>::iterator lru;  // in lru_ or spill_lru_, as `listed` says
  };
  using table = std::unordered_map<object_id, entry>;

  void relist(table::iterator it);  // puts the entry in the list it belongs in now, if any
  void unlist(entry& e);
  void settle(table::iterator it);  // after a pin or an I/O ends: erase if removed, else relist
  void erase(table::iterator it);
  std::optional<allocation> allocate_evicting(std::uint64_t size);
  expected<allocation, errc> allocate_in_memory(std::unique_lock<std::mutex>& lock, std::uint64_t size);
  arena& arena_of(const entry& e) const noexcept { return e.overflowed ? *overflow_ : *memory_; }
  bool overflowed(const allocation& block) const noexcept;
  void account(entry& e, const allocation& block, int sign);  // bytes_used_ or overflow_bytes_
  // Room for `size` bytes by allocation, eviction, then spilling. May let go of `lock` (on mu_)
  // and take it again; entries without io are then free to change.
  expected<allocation, errc> allocate(std::unique_lock<std::mutex>& lock, std::uint64_t size);
  errc spill_one(std::unique_lock<std::mutex>& lock, object_id id);
  expected<std::span<const std::byte>, errc> restore(std::unique_lock<std::mutex>& lock, table::iterator it);

  const std::shared_ptr<arena> memory_;
  const std::unique_ptr<spill_folder> spill_;  // null: no spilling; synchronises itself
  const std::shared_ptr<arena> overflow_;      // null: none
  std::mutex io_mu_;  // held by the one thread that spills to make room; taken before mu_
  mutable std::mutex mu_;
  std::condition_variable restored_;  // a restore ended; with mu_
  table objects_;                     // guarded by mu_
  std::list<object_id> lru_;          // evictable now; front = least recently used; guarded by mu_
  std::list<object_id> spill_lru_;    // spillable now (unpinned sealed primaries in memory); ditto
  std::uint64_t evictable_bytes_ = 0;  // block bytes of the objects in lru_; guarded by mu_
  std::uint64_t spillable_bytes_ = 0;  // block bytes of the objects in spill_lru_; guarded by mu_
  std::uint64_t bytes_used_ = 0;       // guarded by mu_, as are the counters below
  std::uint64_t overflow_bytes_ = 0;
  std::uint64_t overflow_objects_ = 0;
  std::uint64_t evictions_ = 0;
  std::uint64_t spilled_objects_ = 0;
  std::uint64_t spilled_bytes_ = 0;
  std::uint64_t spills_ = 0;
  std::uint64_t restores_ = 0;
};

}  // namespace actors::object_store
