#include "prefaulter.hpp"

#include "pages.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux >= 5.14; older C library headers lack the name
#endif

namespace actors::object_store::detail {
namespace {

// Small enough that the destructor waits only milliseconds even at ~0.5 GiB/s (host faults,
// fresh tmpfs pages): shutdown shares a 50 ms budget with init.
constexpr std::uint64_t chunk = 4ull << 20;

// One write per page, as an atomic add of zero: a writer filling an object in the same page at
// the same moment loses nothing, since a locked read-modify-write is indivisible against any
// other store (the JVM's pre-touch does the same). Hidden from ThreadSanitizer, which would
// report the deliberate overlap with that writer's plain stores as a race.
__attribute__((no_sanitize("thread"))) void touch_pages(std::byte* p, std::uint64_t n) {
  for (std::uint64_t offset = 0; offset < n; offset += page_size())
    __atomic_fetch_add(reinterpret_cast<unsigned char*>(p + offset), 0, __ATOMIC_RELAXED);
}

}  // namespace

bool fault_in(std::byte* p, std::uint64_t n, fault_method& how) {
  for (int attempt = 0; how == fault_method::populate; ++attempt) {
    if (::madvise(p, n, MADV_POPULATE_WRITE) == 0) break;
    if ((errno == EINTR || errno == EAGAIN) && attempt < 16) continue;
    // ENOMEM, EFAULT: the memory is not there to be had, and touching it would raise SIGBUS.
    if (errno != EINVAL) return false;
    how = fault_method::touch;
  }
  touch_pages(p, n);
  return true;
}

prefaulter::~prefaulter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void prefaulter::request(std::uint64_t end) {
  end = std::min(length_, round_up(std::min(end, length_), page_size()));
  {
    std::lock_guard lock(mu_);
    if (end <= target_ || gave_up_ || stop_) return;
    target_ = end;
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread([this] { run(); });
      } catch (const std::system_error&) {
        gave_up_ = true;  // no thread to be had: pages then fault on first use, as without us
      }
      return;
    }
  }
  wake_.notify_one();
}

void prefaulter::run() {
  fault_method how = fault_method::populate;
  std::unique_lock lock(mu_);
  for (;;) {
    const auto from = done_.load(std::memory_order_relaxed);
    wake_.wait(lock, [&] { return stop_ || target_ > from; });
    if (stop_) return;
    const auto n = std::min(chunk, target_ - from);
    lock.unlock();
    const bool ok = fault_in(base_ + from, n, how);
    lock.lock();
    if (!ok) {
      gave_up_ = true;
      wake_.wait(lock, [&] { return stop_; });
      return;
    }
    done_.store(from + n, std::memory_order_release);
  }
}

}  // namespace actors::object_store::detail
