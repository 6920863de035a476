#include <actors/object_store/arena.hpp>

#include "check.hpp"
#include "free_list.hpp"
#include "pages.hpp"
#include "prefaulter.hpp"
#include "region.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace actors::object_store {

expected<std::shared_ptr<arena>, errc> arena::open(const arena_options& options) {
  // off_t is signed: larger regions could not be sized with ftruncate, nor rounded up safely.
  constexpr auto largest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / 2;
  if (options.capacity == 0 || options.capacity > largest) return unexpected(errc::invalid_argument);
  if (!options.shm_name.empty() && !options.file_path.empty()) return unexpected(errc::invalid_argument);
  const auto kind = !options.file_path.empty()  ? detail::backing::file
                    : !options.shm_name.empty() ? detail::backing::shm
                                                : detail::backing::memory;
  const auto& name = kind == detail::backing::file ? options.file_path : options.shm_name;
  const auto capacity = detail::round_up(options.capacity, detail::page_size());
  int fd = -1;
  auto base = detail::map_region(capacity, kind, name, kind == detail::backing::file ? &fd : nullptr);
  if (!base) return unexpected(base.error());
  // Prefaulting a file would write the whole of it to disk.
  const auto ahead = kind == detail::backing::file ? 0 : options.prefault_ahead;
  return std::shared_ptr<arena>(new arena(*base, capacity, ahead, kind, name, fd));
}

arena::arena(std::byte* base, std::uint64_t capacity, std::uint64_t prefault_ahead, detail::backing kind,
             std::string name, int fd)
    : base_(base),
      capacity_(capacity),
      prefault_ahead_(prefault_ahead),
      kind_(kind),
      name_(std::move(name)),
      fd_(fd),
      free_(std::make_unique<detail::free_list>(capacity)),
      prefaulter_(std::make_unique<detail::prefaulter>(base, capacity)) {}

arena::~arena() {
  prefaulter_.reset();  // first: its thread writes into the mapping
  detail::unmap_region(base_, capacity_, kind_, name_);
  if (fd_ >= 0) ::close(fd_);
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
  const allocation block{base_ + offset, offset, need};
  // A file's blocks are reserved on disk now: writing into a hole of a full disk through the
  // mapping would kill the writer with SIGBUS.
  if (fd_ >= 0 && ::fallocate(fd_, 0, static_cast<off_t>(offset), static_cast<off_t>(need)) != 0) {
    deallocate(block);
    return std::nullopt;
  }
  return block;
}

void arena::deallocate(const allocation& block) {
  // In integers: a stray offset must be reported, not turned into an out-of-bounds pointer.
  const auto address = reinterpret_cast<std::uintptr_t>(block.data);
  detail::check(address - reinterpret_cast<std::uintptr_t>(base_) == block.offset && block.offset % alignment == 0 &&
                    block.size % alignment == 0,
                "deallocate() of a block that allocate() did not return");
  std::lock_guard lock(mu_);
  const auto [free_offset, free_size] = free_->give(block.offset, block.size);
  used_ -= block.size;
  // A file gives the disk back: the whole free run the block joined, not just the block, since
  // the page cache dirties large folios (up to 2 MiB on 6.x kernels) that reach past a block's
  // end into free space. Under the lock, so that no allocation takes part of the run meanwhile;
  // a punched hole reads as zeros, and the live neighbours' bytes in shared pages are kept.
  if (fd_ >= 0)
    ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(free_offset),
                static_cast<off_t>(free_size));
}

std::uint64_t arena::offset_of(const std::byte* p) const noexcept {
  // In integers, as deallocate() does: comparing pointers into different objects is undefined.
  const auto offset = reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(base_);
  detail::check(offset <= capacity_, "offset_of() a pointer outside the arena");
  return offset;
}

const std::string& arena::shm_name() const noexcept {
  static const std::string none;
  return kind_ == detail::backing::shm ? name_ : none;
}

const std::string& arena::file_path() const noexcept {
  static const std::string none;
  return kind_ == detail::backing::file ? name_ : none;
}

std::uint64_t arena::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

std::uint64_t arena::prefaulted() const noexcept { return prefaulter_->done(); }

}  // namespace actors::object_store
