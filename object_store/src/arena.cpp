#include <actors/object_store/arena.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older headers lack the name
#endif

namespace actors::object_store {
namespace {

constexpr std::uint64_t page = 4096;
// Faulting in steps of this size lets the destructor stop the prefaulter quickly.
constexpr std::uint64_t prefault_step = 64ull << 20;

std::uint64_t round_up(std::uint64_t n, std::uint64_t to) { return (n + to - 1) / to * to; }

void fault_in(std::byte* begin, std::uint64_t length) {
  if (::madvise(begin, length, MADV_POPULATE_WRITE) == 0) return;
  // Older kernels: locking pages faults them in without writing to them (writing would race
  // with objects being filled in the same pages). Without the privilege, pages fault on first use.
  if (::mlock(begin, length) == 0) ::munlock(begin, length);
}

}  // namespace

expected<std::shared_ptr<arena>, errc> arena::open(const arena_options& options) {
  if (options.capacity == 0) return unexpected{errc::invalid_argument};
  auto capacity = round_up(options.capacity, page);
  void* base = MAP_FAILED;
  if (options.shm_name.empty()) {
    base = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  } else {
    int fd = ::shm_open(options.shm_name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return unexpected{errno == EEXIST ? errc::already_exists : errc::map_failed};
    if (::ftruncate(fd, static_cast<off_t>(capacity)) == 0)
      base = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    ::close(fd);
    if (base == MAP_FAILED) ::shm_unlink(options.shm_name.c_str());
  }
  if (base == MAP_FAILED) return unexpected{errc::map_failed};
  return std::shared_ptr<arena>(
      new arena(static_cast<std::byte*>(base), capacity, options.prefault_ahead, options.shm_name));
}

arena::arena(std::byte* base, std::uint64_t capacity, std::uint64_t prefault_ahead, std::string shm_name)
    : base_(base), capacity_(capacity), prefault_ahead_(prefault_ahead), shm_name_(std::move(shm_name)) {
  free_.emplace(0, capacity_);
}

arena::~arena() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_prefaulter_.notify_all();
  if (prefaulter_.joinable()) prefaulter_.join();
  ::munmap(base_, capacity_);
  if (!shm_name_.empty()) ::shm_unlink(shm_name_.c_str());
}

std::optional<allocation> arena::allocate(std::uint64_t size) {
  auto need = round_up(std::max<std::uint64_t>(size, 1), alignment);
  std::unique_lock lock(mu_);
  // First fit in address order keeps objects low in the region, where pages are faulted in.
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < need) continue;
    auto offset = it->first;
    auto remaining = it->second - need;
    free_.erase(it);
    if (remaining) free_.emplace(offset + need, remaining);
    used_ += need;
    bool grew = offset + need > high_water_;
    high_water_ = std::max(high_water_, offset + need);
    if (!prefaulter_.joinable() && prefault_ahead_ > 0) prefaulter_ = std::thread([this] { prefault_main(); });
    lock.unlock();
    if (grew) wake_prefaulter_.notify_one();
    return allocation{base_ + offset, offset, need};
  }
  return std::nullopt;
}

void arena::deallocate(const allocation& a) {
  std::lock_guard lock(mu_);
  used_ -= a.size;
  auto offset = a.offset, size = a.size;
  auto next = free_.lower_bound(offset);
  if (next != free_.end() && offset + size == next->first) {  // merge with the block after
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {  // merge with the block before
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      prev->second += size;
      return;
    }
  }
  free_.emplace(offset, size);
}

std::uint64_t arena::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

void arena::prefault_main() {
  std::unique_lock lock(mu_);
  for (;;) {
    auto target = std::min(capacity_, round_up(high_water_ + prefault_ahead_, page));
    auto done = prefaulted_.load(std::memory_order_relaxed);
    if (stopping_) return;
    if (done >= target) {
      wake_prefaulter_.wait(lock);
      continue;
    }
    auto step = std::min(prefault_step, target - done);
    lock.unlock();
    fault_in(base_ + done, step);
    prefaulted_.store(done + step, std::memory_order_release);
    lock.lock();
  }
}

}  // namespace actors::object_store
