#pragma once
/// attached_arena: another process's view of a shared-memory arena, opened by its name. The
/// store process owns the arena and hands out (offset, size) pairs; a client on the same node
/// attaches once and turns each pair into a span that points into the shared pages, so it
/// reads objects in place, with no copy (ARCHITECTURE.md §4). A writer that fills an object
/// the store created for it attaches read-write and writes in place; the store process then
/// seals the object.
///
///     auto view = attached_arena::attach(name);            // read-only unless asked
///     auto bytes = view->read(location.offset, location.size);
///     if (bytes) consume(*bytes);                           // no copy: the store's own pages
///
/// The attachment knows nothing of objects: the store process must keep an object pinned (its
/// get()) while a client reads it, and release it when the client says it is done.
///
/// Thread-safe: read() and write() may be called from any thread; moving or destroying an
/// attachment needs the caller to know nobody else uses it.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace actors::object_store {

enum class access_mode : std::uint8_t { read_only, read_write };

class attached_arena {
 public:
  /// Maps the whole segment `shm_name` ("/name"), without faulting any page in. Errors:
  /// invalid_argument (a malformed name), not_found (no such segment), permission_denied
  /// (another user's, or read-write asked of a segment this user may only read), map_failed.
  static expected<attached_arena, errc> attach(const std::string& shm_name,
                                               access_mode mode = access_mode::read_only);
  /// The same for an arena that is a file (arena_options::file_path), by its absolute path.
  static expected<attached_arena, errc> attach_file(const std::string& path,
                                                    access_mode mode = access_mode::read_only);

  attached_arena(attached_arena&& other) noexcept;
  attached_arena& operator=(attached_arena&& other) noexcept;
  /// Unmaps. Spans handed out are dangling from then on; the segment itself lives on.
  ~attached_arena();

  /// The bytes [offset, offset + size) of the segment, in place. Errors: invalid_argument
  /// when the range does not lie inside the segment.
  expected<std::span<const std::byte>, errc> read(std::uint64_t offset, std::uint64_t size) const;
  /// The same range, writable. Errors: read_only (attached read-only), invalid_argument.
  expected<std::span<std::byte>, errc> write(std::uint64_t offset, std::uint64_t size) const;

  const std::byte* base() const noexcept { return base_; }
  /// The segment's length when attached (the owner's arena capacity).
  std::uint64_t size() const noexcept { return size_; }
  access_mode mode() const noexcept { return mode_; }
  const std::string& name() const noexcept { return name_; }

 private:
  attached_arena(std::byte* base, std::uint64_t size, access_mode mode, std::string name) noexcept
      : base_(base), size_(size), mode_(mode), name_(std::move(name)) {}
  bool covers(std::uint64_t offset, std::uint64_t size) const noexcept;

  std::byte* base_ = nullptr;  // null once moved from
  std::uint64_t size_ = 0;
  access_mode mode_ = access_mode::read_only;
  std::string name_;
};

}  // namespace actors::object_store
