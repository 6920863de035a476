#include "free_list.hpp"

#include "check.hpp"

#include <iterator>

namespace actors::object_store::detail {

free_list::free_list(std::uint64_t capacity) : capacity_(capacity) {
  if (capacity > 0) insert(0, capacity);
}

std::optional<std::uint64_t> free_list::take(std::uint64_t size) {
  auto fit = by_size_.lower_bound({size, 0});
  if (fit == by_size_.end()) return std::nullopt;
  auto [block_size, offset] = *fit;
  erase(by_offset_.find(offset));
  if (block_size > size) insert(offset + size, block_size - size);
  return offset;
}

std::pair<std::uint64_t, std::uint64_t> free_list::give(std::uint64_t offset, std::uint64_t size) {
  check(size > 0 && offset <= capacity_ && size <= capacity_ - offset, "freed block lies outside the arena");
  auto next = by_offset_.lower_bound(offset);
  check(next == by_offset_.end() || offset + size <= next->first, "freed block is already free (double free?)");
  if (next != by_offset_.begin()) {
    auto prev = std::prev(next);
    check(prev->first + prev->second <= offset, "freed block is already free (double free?)");
    if (prev->first + prev->second == offset) {
      offset = prev->first;
      size += prev->second;
      erase(prev);
    }
  }
  if (next != by_offset_.end() && offset + size == next->first) {
    size += next->second;
    erase(next);
  }
  insert(offset, size);
  return {offset, size};
}

void free_list::insert(std::uint64_t offset, std::uint64_t size) {
  by_offset_.emplace(offset, size);
  by_size_.emplace(size, offset);
}

void free_list::erase(std::map<std::uint64_t, std::uint64_t>::iterator it) {
  by_size_.erase({it->second, it->first});
  by_offset_.erase(it);
}

}  // namespace actors::object_store::detail
