#pragma once
/// arena: one contiguous region of memory that holds a node's objects, and its allocator.
///
/// The whole capacity is reserved at open without touching a page, so open takes microseconds.
/// Pages are then faulted in by a background thread, started by the first allocate(), that
/// keeps [0, high-water mark + prefault_ahead) faulted; freed blocks are reused, and they stay
/// faulted. That is the point: writing into touched pages runs at ~11 GiB/s here, into fresh
/// pages at ~1 GiB/s (notes/caf-0.17.md §5). With a shm_name the region is a POSIX
/// shared-memory object that other processes map by that name; the arena removes the name at
/// destruction.
///
///     auto a = arena::open({.capacity = 1ull << 30});
///     if (auto block = (*a)->allocate(n)) std::memcpy(block->data, src, n);
///     (*a)->deallocate(*block);
///
/// Thread-safe: every member may be called from any thread.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace actors::object_store {

struct arena_options {
  std::uint64_t capacity = 0;                 // bytes, rounded up to whole pages
  std::uint64_t prefault_ahead = 1ull << 30;  // bytes kept faulted beyond the high-water mark; 0 = none
  std::string shm_name;                       // "" = private memory; else a POSIX shm name "/name"
  // Else an absolute path: a file on disk, made sparse and mapped shared, that other processes
  // map by that path. Its blocks are reserved on disk when allocated (fallocate: a full disk is
  // a failed allocate(), never a SIGBUS in a writer) and given back when freed; never prefaulted.
  std::string file_path;
};

/// A block handed out by arena::allocate. `size` is what the block really spans (the request
/// rounded up to the alignment); give the same value back to deallocate().
struct allocation {
  std::byte* data = nullptr;
  std::uint64_t offset = 0;  // from base(): what another process that maps the region uses
  std::uint64_t size = 0;
};

namespace detail {
class free_list;
class prefaulter;
enum class backing;
}  // namespace detail

class arena {
 public:
  /// Every block starts on this boundary (a cache line, and enough for any SIMD load).
  static constexpr std::uint64_t alignment = 64;

  /// Errors: invalid_argument (zero or huge capacity, malformed shm name), already_exists (the
  /// shm name is taken), map_failed (the system refused the memory).
  static expected<std::shared_ptr<arena>, errc> open(const arena_options& options);
  /// Stops the prefault thread (within one chunk), unmaps, and unlinks the shm name.
  ~arena();
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;

  /// A block of at least `size` bytes aligned to `alignment`, or nullopt when no free block fits.
  std::optional<allocation> allocate(std::uint64_t size);
  /// Returns a block from allocate(). Freeing a block twice, or one not from this arena, aborts.
  void deallocate(const allocation& block);

  std::byte* base() const noexcept { return base_; }
  /// Where `p`, a pointer into this arena, lies from base(): what a process that attached the
  /// region by name (attached_arena) needs. A pointer outside the arena is a bug and aborts.
  std::uint64_t offset_of(const std::byte* p) const noexcept;
  std::uint64_t capacity() const noexcept { return capacity_; }
  /// The shared-memory name ("" for private memory and files).
  const std::string& shm_name() const noexcept;
  /// The file's path ("" unless the arena is a file).
  const std::string& file_path() const noexcept;
  /// Bytes in allocated blocks.
  std::uint64_t used() const;
  /// Bytes from the start of the region that the background thread has faulted in.
  std::uint64_t prefaulted() const noexcept;

 private:
  arena(std::byte* base, std::uint64_t capacity, std::uint64_t prefault_ahead, detail::backing kind, std::string name,
        int fd);

  std::byte* const base_;
  const std::uint64_t capacity_;
  const std::uint64_t prefault_ahead_;
  const detail::backing kind_;
  const std::string name_;
  const int fd_;  // the file's, to reserve and give back its blocks; -1 for memory

  mutable std::mutex mu_;
  std::unique_ptr<detail::free_list> free_;  // guarded by mu_
  std::uint64_t used_ = 0;                   // guarded by mu_
  std::uint64_t high_water_ = 0;             // end of the highest block ever handed out; guarded by mu_
  std::unique_ptr<detail::prefaulter> prefaulter_;  // synchronises itself
};

}  // namespace actors::object_store
