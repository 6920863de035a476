#pragma once
/// How long a waiting thread spins before it sleeps: an idle scheduler thread, and a thread in
/// get()/wait() on a cell. Spinning pays when the awaited event comes from another thread of this
/// process within microseconds (the embedded runtime: a wake-up costs ~40 µs on these VMs). In
/// cluster mode it comes as a frame from another process, 100 µs or more away, and a spinner only
/// takes a core from the io threads that carry it (docs/benchmarks.md, "Cluster figures").
///
///     set_spin_policy(spin_policy::embedded);   // the runtime's default
///     set_spin_policy(spin_policy::cluster);    // a driver that joined a cluster, or a worker
///
/// Thread-safe; read with relaxed atomics on every wait.
#include <chrono>

namespace actors::detail {

enum class spin_policy { embedded, cluster };

void set_spin_policy(spin_policy p) noexcept;
/// How long an idle scheduler thread spins before it sleeps.
std::chrono::microseconds idle_spin() noexcept;
/// How long cell::wait spins before it sleeps.
std::chrono::microseconds wait_spin() noexcept;

}  // namespace actors::detail
