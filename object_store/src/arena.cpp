#include <actors/object_store/arena.hpp>

#include "check.hpp"
#include "free_list.hpp"
#include "pages.hpp"
#include "prefaulter.hpp"
#include "region.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace actors::object_store {

expected<std::shared_ptr<arena>, errc> arena::open(const arena_options& options) {
  // off_t is signed: larger regions could not be sized with ftruncate, nor rounded up safely.
  constexpr auto largest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / 2;
  if (options.capacity == 0 || options.capacity > largest) return unexpected(errc::invalid_argument);
  const auto capacity = detail::round_up(options.capacity, detail::page_size());
  auto base = detail::map_region(capacity, options.shm_name);
  if (!base) return unexpected(base.error());
  return std::shared_ptr<arena>(new arena(*base, capacity, options.prefault_ahead, options.shm_name));
}

arena::arena(std::byte* base, std::uint64_t capacity, std::uint64_t prefault_ahead, std::string shm_name)
    : base_(base),
      capacity_(capacity),
      prefault_ahead_(prefault_ahead),
      shm_name_(std::move(shm_name)),
      free_(std::make_unique<detail::free_list>(capacity)),
      prefaulter_(std::make_unique<detail::prefaulter>(base, capacity)) {}

arena::~arena() {
  prefaulter_.reset();  // first: its thread writes into the mapping
  detail::unmap_region(base_, capacity_, shm_name_);
}

std::optional<allocation> arena::allocate(std::uint64_t size) {
  if (size > capacity_) return std::nullopt;  // also keeps the rounding below from overflowing
  // Zero bytes still get a block of their own, so that every live block has a distinct address.
  const auto need = detail::round_up(std::max<std::uint64_t>(size, 1), alignment);
  std::uint64_t offset = 0;
  std::uint64_t grown_to = 0;  // the new high-water mark, or 0 if it did not move
  {
    std::lock_guard lock(mu_);
    auto found = free_->take(need);
    if (!found) return std::nullopt;
    offset = *found;
    used_ += need;
    if (offset + need > high_water_) grown_to = high_water_ = offset + need;
  }
  // Outside the lock: allocations need not wait for the prefaulter's. Requests may arrive out
  // of order; the prefaulter keeps the largest.
  if (grown_to && prefault_ahead_ > 0)
    prefaulter_->request(grown_to + std::min(prefault_ahead_, capacity_ - grown_to));
  return allocation{base_ + offset, offset, need};
}

void arena::deallocate(const allocation& block) {
  // In integers: a stray offset must be reported, not turned into an out-of-bounds pointer.
  const auto address = reinterpret_cast<std::uintptr_t>(block.data);
  detail::check(address - reinterpret_cast<std::uintptr_t>(base_) == block.offset && block.offset % alignment == 0 &&
                    block.size % alignment == 0,
                "deallocate() of a block that allocate() did not return");
  std::lock_guard lock(mu_);
  free_->give(block.offset, block.size);
  used_ -= block.size;
}

std::uint64_t arena::offset_of(const std::byte* p) const noexcept {
  // In integers, as deallocate() does: comparing pointers into different objects is undefined.
  const auto offset = reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(base_);
  detail::check(offset <= capacity_, "offset_of() a pointer outside the arena");
  return offset;
}

std::uint64_t arena::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

std::uint64_t arena::prefaulted() const noexcept { return prefaulter_->done(); }

}  // namespace actors::object_store
