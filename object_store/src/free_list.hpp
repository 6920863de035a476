#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace actors::object_store::detail {

/// free_list: the free blocks of a region of `capacity` bytes, with O(log n) take and give.
///
/// take() is best fit, lowest offset among equal sizes; give() merges a block with its free
/// neighbours, so freeing everything leaves one block again. Best fit rather than address-
/// ordered first fit: it runs in O(log n) on two standard containers (first fit needs a tree
/// augmented with subtree maxima), it fills freed holes, which are faulted in, before it cuts
/// into the untouched tail, and it keeps large blocks whole for large objects.
///
/// Not synchronised: the arena calls it under its lock.
class free_list {
 public:
  explicit free_list(std::uint64_t capacity);

  /// The offset of a block of exactly `size` bytes, or nullopt when no free block is that large.
  std::optional<std::uint64_t> take(std::uint64_t size);
  /// Returns [offset, offset + size). Aborts if any part of it is already free or out of range.
  /// Gives back the free block it became part of (offset, size), merged with its free neighbours.
  std::pair<std::uint64_t, std::uint64_t> give(std::uint64_t offset, std::uint64_t size);

  std::size_t blocks() const noexcept { return by_offset_.size(); }

 private:
  void insert(std::uint64_t offset, std::uint64_t size);
  void erase(std::map<std::uint64_t, std::uint64_t>::iterator it);

  std::uint64_t capacity_;
  std::map<std::uint64_t, std::uint64_t> by_offset_;          // offset -> size; never two adjacent
  std::set<std::pair<std::uint64_t, std::uint64_t>> by_size_;  // (size, offset) of the same blocks
};

}  // namespace actors::object_store::detail
