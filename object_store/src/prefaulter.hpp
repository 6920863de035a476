#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace actors::object_store::detail {

/// How pages are faulted in. populate: MADV_POPULATE_WRITE (Linux >= 5.14) maps them in one
/// call, then one write per page makes them real; touch: the writes alone, for older kernels.
/// The writes are needed even after populate on this project's machines (Firecracker VMs
/// with free-page reporting): populate alone maps pages that the host has not backed, so the
/// first real write to each still costs a host fault (~7 us; a first memcpy ran at 0.6 GiB/s,
/// against 4-5 GiB/s after populate + touch; object_store/README.md).
enum class fault_method { populate, touch };

/// Faults in [p, p + n) (p page-aligned) without changing a byte, even while others write
/// there. Switches `how` to touch when the kernel does not know populate. False when the memory
/// cannot be had (out of memory, or a full /dev/shm); nothing is written then. (With touch
/// alone, a full /dev/shm raises SIGBUS instead: old kernels give no way to ask first.)
bool fault_in(std::byte* p, std::uint64_t n, fault_method& how);

/// prefaulter: a background thread that faults in the pages of a region from its start up to a
/// target that only grows, so that writers find their pages present. It works in chunks so
/// that the destructor stops it within one chunk; the thread starts with the first request(),
/// so a region nobody allocates from costs no thread and no page.
///
/// Thread-safe: request() and done() may be called from any thread.
class prefaulter {
 public:
  prefaulter(std::byte* base, std::uint64_t length) noexcept : base_(base), length_(length) {}
  /// Stops the thread and waits for it; a chunk being faulted is finished first.
  ~prefaulter();
  prefaulter(const prefaulter&) = delete;
  prefaulter& operator=(const prefaulter&) = delete;

  /// Asks for [0, end) to be faulted in (rounded up to a page, capped at the region's length).
  void request(std::uint64_t end);
  /// Bytes from the start that are faulted in.
  std::uint64_t done() const noexcept { return done_.load(std::memory_order_acquire); }

 private:
  void run();

  std::byte* const base_;
  const std::uint64_t length_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::uint64_t target_ = 0;  // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  bool gave_up_ = false;      // the kernel refused to fault pages in; guarded by mu_
  std::thread thread_;        // started and joined under the rules above
  std::atomic<std::uint64_t> done_{0};
};

}  // namespace actors::object_store::detail
