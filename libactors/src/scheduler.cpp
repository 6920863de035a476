#include "scheduler.hpp"

#include "blocking.hpp"
#include "futex.hpp"
#include "spin_policy.hpp"
#include "log.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace actors::detail {
namespace {

// Beyond this many threads, resource-free jobs wait for a thread instead of starting one.
constexpr std::size_t max_threads = 1024;
// An idle thread spins for idle_spin() before it sleeps (spin_policy.hpp) and exits after
// sleeping this long, if more threads than CPUs are idle.
constexpr auto idle_exit = std::chrono::seconds(5);

constexpr std::uint32_t wake_idle = 0, wake_notified = 1, wake_sleeping = 2;

// 0.5, 2, 12385300000: whole amounts without an exponent.
std::string format_units(amount a) {
  std::ostringstream s;
  s.precision(a % amount_unit == 0 ? 20 : 6);
  s << to_units(a);
  return s.str();
}

thread_local scheduler::worker* tls_worker = nullptr;
thread_local scheduler* tls_scheduler = nullptr;
thread_local bool tls_keep_resources = false;

}  // namespace

struct scheduler::worker {
  std::thread thread;
  std::atomic<std::uint32_t> wake{wake_idle};
  job* current = nullptr;        // guarded by mu_
  // A job given to this worker while it was idle, with its resources already taken: written
  // under mu_ before `wake` becomes wake_notified, read by the worker after it sees that, so
  // the worker starts it without taking the lock.
  job* handoff = nullptr;
  std::uint32_t shape = 0;       // shape the current job holds
  amount lent_cpu = 0;           // CPU handed back while the job blocks
  // Set by the worker before its task's result is published, cleared under mu_ once the
  // resources are back: read by available() so that a caller who just got a result sees them free.
  std::atomic<bool> finishing{false};
  bool exited = false;           // guarded by mu_
};

void scheduler::queue::push(job* j) noexcept {
  j->next = nullptr;
  if (tail) tail->next = j;
  else head = j;
  tail = j;
  ++size;
}

job* scheduler::queue::pop() noexcept {
  job* j = head;
  if (!j) return nullptr;
  head = j->next;
  if (!head) tail = nullptr;
  j->next = nullptr;
  --size;
  return j;
}

scheduler::scheduler(const std::map<std::string, double>& totals) {
  for (const auto& [name, units] : totals) names_.index_of(name);
  total_.assign(names_.size(), 0);
  for (const auto& [name, units] : totals) total_[names_.index_of(name)] = to_amount(units);
  available_ = total_;
  shapes_.push_back({});
  shape_ids_[{}] = empty_shape;
  shapes_.push_back({{cpu_index, amount_unit}});
  shape_ids_[shapes_.back()] = one_cpu_shape;
  queues_.resize(2);
  min_threads_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(to_units(total_[cpu_index]))));
  max_spinners_ = min_threads_;
}

scheduler::~scheduler() {
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.detach();
}

std::uint32_t scheduler::shape_for(const std::optional<resource_map>& resources) {
  if (!resources) return one_cpu_shape;
  shape s;
  std::lock_guard lock(mu_);
  for (const auto& [name, units] : *resources) {
    if (units < 0) throw error("actors: resource '" + name + "' requested with a negative amount");
    auto a = to_amount(units);
    if (a == 0) continue;
    auto index = names_.index_of(name);
    s.emplace_back(index, a);
  }
  std::sort(s.begin(), s.end());
  if (total_.size() < names_.size()) {
    total_.resize(names_.size(), 0);
    available_.resize(names_.size(), 0);
  }
  auto [it, inserted] = shape_ids_.emplace(s, static_cast<std::uint32_t>(shapes_.size()));
  if (inserted) {
    shapes_.push_back(std::move(s));
    queues_.emplace_back();
  }
  return it->second;
}

bool scheduler::fits_locked(std::uint32_t id) const {
  for (const auto& [index, need] : shapes_[id])
    if (available_[index] < need) return false;
  return true;
}

bool scheduler::feasible_locked(std::uint32_t id) const {
  for (const auto& [index, need] : shapes_[id])
    if (total_[index] < need) return false;
  return true;
}

void scheduler::acquire_locked(std::uint32_t id) {
  for (const auto& [index, need] : shapes_[id]) available_[index] -= need;
}

void scheduler::give_back_locked(std::uint32_t id) {
  for (const auto& [index, need] : shapes_[id]) available_[index] += need;
}

void scheduler::release(std::uint32_t shape) {
  std::lock_guard lock(mu_);
  give_back_locked(shape);
  dispatch_locked();
}

void scheduler::keep_resources_of_current_job() noexcept { tls_keep_resources = true; }

void scheduler::report_infeasible_locked(const job& j) {
  if (!reported_infeasible_.insert(j.shape).second) return;
  std::ostringstream m;
  m << "task " << j.name() << " needs {";
  const char* sep = "";
  for (const auto& [index, need] : shapes_[j.shape]) {
    m << sep << names_.name_of(index) << ": " << format_units(need);
    sep = ", ";
  }
  m << "} but no node has that much {";
  sep = "";
  for (std::uint32_t i = 0; i < total_.size(); ++i) {
    if (total_[i] == 0) continue;
    m << sep << names_.name_of(i) << ": " << format_units(total_[i]);
    sep = ", ";
  }
  m << "}; it is infeasible and stays pending until a node that fits it joins";
  log_warning(m.str());
}

void scheduler::enqueue(job* j) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    j->abandon(std::make_exception_ptr(error("actors: the runtime is shut down")));
    delete j;
    return;
  }
  if (!feasible_locked(j->shape)) {
    infeasible_.push(j);
    report_infeasible_locked(*j);
    return;
  }
  auto& q = queues_[j->shape];
  if (q.size == 0 && j->shape != empty_shape) active_shapes_.push_back(j->shape);
  q.push(j);
  dispatch_locked();
}

job* scheduler::pick_locked() {
  if (job* j = queues_[empty_shape].pop()) return j;
  auto n = active_shapes_.size();
  for (std::size_t k = 0; k < n; ++k) {
    auto slot = (next_shape_ + k) % n;
    auto id = active_shapes_[slot];
    if (!fits_locked(id)) continue;
    job* j = queues_[id].pop();
    acquire_locked(id);
    if (queues_[id].size == 0) {
      active_shapes_.erase(active_shapes_.begin() + static_cast<std::ptrdiff_t>(slot));
      next_shape_ = active_shapes_.empty() ? 0 : slot % active_shapes_.size();
    } else {
      next_shape_ = (slot + 1) % n;
    }
    return j;
  }
  return nullptr;
}

std::size_t scheduler::runnable_locked() const {
  std::size_t runnable = queues_[empty_shape].size;
  // How many more jobs could start now; shapes compete for the same resources, so this may
  // overestimate, which costs at most a worker that wakes up and finds nothing.
  for (auto id : active_shapes_) {
    std::size_t fit = queues_[id].size;
    for (const auto& [index, need] : shapes_[id])
      fit = std::min<std::size_t>(fit, available_[index] > 0 ? static_cast<std::size_t>(available_[index] / need) : 0);
    runnable += fit;
  }
  return runnable;
}

void scheduler::dispatch_locked() {
  if (stopping_) return;
  for (;;) {
    // Threads already on their way to the queue (woken, started, or finishing a task) will
    // take what is runnable; only more runnable jobs than that need another thread.
    auto runnable = runnable_locked();
    if (waking_ + finishing_.load(std::memory_order_acquire) >= runnable) return;
    if (!idle_.empty()) {
      worker* w = idle_.back();  // the last to go idle: the likeliest to be spinning still
      if (w->wake.load(std::memory_order_acquire) == wake_idle) {
        // Awake: hand the job over with the wake-up, so that the thread starts it without
        // coming back for the lock (this halves the lock traffic between short tasks).
        job* j = pick_locked();
        if (!j) return;  // runnable_locked() overestimated: nothing fits after all
        idle_.pop_back();
        w->current = j;
        w->shape = j->shape;
        w->handoff = j;
        // Fell asleep since the load: it still runs j, one wake-up later.
        if (w->wake.exchange(wake_notified, std::memory_order_acq_rel) == wake_sleeping) futex_wake_one(w->wake);
      } else {
        // Asleep: a wake-up takes tens of µs, during which a running thread may take the job.
        // Wake it to come and look, as a thread on its way (waking_).
        idle_.pop_back();
        if (w->wake.exchange(wake_notified, std::memory_order_acq_rel) == wake_sleeping) futex_wake_one(w->wake);
        ++waking_;
      }
    } else if (live_ < max_threads) {
      spawn_locked();
      ++waking_;
    } else {
      return;
    }
  }
}

void scheduler::spawn_locked() {
  // Join threads that exited after idling, so their stacks go back.
  std::erase_if(workers_, [](const std::unique_ptr<worker>& w) {
    if (!w->exited) return false;
    if (w->thread.joinable()) w->thread.join();
    return true;
  });
  auto w = std::make_unique<worker>();
  w->wake.store(wake_notified);
  ++live_;
  w->thread = std::thread([self = shared_from_this(), raw = w.get()] { self->worker_main(raw); });
  workers_.push_back(std::move(w));
}

void scheduler::worker_main(worker* w) {
  tls_worker = w;
  tls_scheduler = this;
  job* done = nullptr;  // the job just run, deleted outside the lock once the next is picked
  std::unique_lock lock(mu_);
  --waking_;  // this thread was started to look for work
  for (;;) {
    if (done) {
      if (!tls_keep_resources) give_back_locked(w->shape);
      w->current = nullptr;
    }
    job* j = stopping_ ? nullptr : pick_locked();
    if (j) {
      w->current = j;
      w->shape = j->shape;
      // Resources given back above may let more jobs start than this thread can take.
      dispatch_locked();
      lock.unlock();
      delete done;
      tls_keep_resources = false;
      j->run();
      done = j;
      lock.lock();
      if (w->finishing.load(std::memory_order_relaxed)) {
        w->finishing.store(false, std::memory_order_relaxed);
        finishing_.fetch_sub(1, std::memory_order_release);
      }
      continue;
    }
    if (stopping_) {
      lock.unlock();
      delete done;  // before this thread counts as exited: stop() may return right after
      lock.lock();
      break;
    }
    // Idle: register, so that the next job is handed to this thread, then free the job just
    // run outside the lock, spin a little, and sleep until notified.
    if (done) dispatch_locked();  // resources given back may let jobs of other shapes start
    w->wake.store(wake_idle, std::memory_order_relaxed);
    idle_.push_back(w);
    lock.unlock();
    delete done;
    done = nullptr;
    // Spinning keeps a thread ready for the next short job, but every spinner takes a CPU
    // from the threads doing work (the driver's own, above all): one per CPU at most. Without
    // the bound, hundreds of threads started for a burst of actor calls spun at once and
    // halved actors_created_per_s.
    if (spinning_.fetch_add(1, std::memory_order_acq_rel) < max_spinners_) {
      auto spin_until = std::chrono::steady_clock::now() + idle_spin();
      for (unsigned i = 1; w->wake.load(std::memory_order_acquire) == wake_idle; ++i) {
        spin_pause();
        if (i % 64 == 0 && std::chrono::steady_clock::now() >= spin_until) break;
      }
    }
    spinning_.fetch_sub(1, std::memory_order_acq_rel);
    std::uint32_t expected = wake_idle;
    bool timed_out = false;
    bool slept = w->wake.compare_exchange_strong(expected, wake_sleeping, std::memory_order_acq_rel);
    if (slept) {
      auto deadline = std::chrono::steady_clock::now() + idle_exit;
      while (w->wake.load(std::memory_order_acquire) == wake_sleeping) {
        if (std::chrono::steady_clock::now() >= deadline) {
          timed_out = true;
          break;
        }
        futex_wait(w->wake, wake_sleeping, deadline);
      }
    }
    if (!slept) {
      // Notified while spinning, by dispatch_locked() handing over a job: run it without the
      // lock (the handoff was written before the notification).
      job* j = std::exchange(w->handoff, nullptr);
      if (j) {
        tls_keep_resources = false;
        j->run();
        done = j;
      }
      lock.lock();
      if (w->finishing.load(std::memory_order_relaxed)) {
        w->finishing.store(false, std::memory_order_relaxed);
        finishing_.fetch_sub(1, std::memory_order_release);
      }
      continue;
    }
    lock.lock();
    if (w->wake.load(std::memory_order_acquire) != wake_notified) {
      auto it = std::find(idle_.begin(), idle_.end(), w);
      if (it != idle_.end()) {  // not notified: stopping, or idle for long, or a spurious wake-up
        idle_.erase(it);
        if (stopping_ || (timed_out && idle_.size() > min_threads_)) break;
        continue;  // go round again: re-registers as idle
      }
      // Notified between the load and the lock.
    }
    // Woken from sleep: to look for work (counted in waking_), to run a job handed over just as
    // it fell asleep, or by stop().
    if (job* j = std::exchange(w->handoff, nullptr)) {
      lock.unlock();
      tls_keep_resources = false;
      j->run();
      done = j;
      lock.lock();
      if (w->finishing.load(std::memory_order_relaxed)) {
        w->finishing.store(false, std::memory_order_relaxed);
        finishing_.fetch_sub(1, std::memory_order_release);
      }
    } else if (!stopping_) {
      --waking_;
    }
  }
  w->exited = true;
  --live_;
  exited_.notify_all();
}

void scheduler::finishing(worker& w) noexcept {
  if (w.finishing.load(std::memory_order_relaxed)) return;
  finishing_.fetch_add(1, std::memory_order_acq_rel);
  w.finishing.store(true, std::memory_order_release);
}

void scheduler::lend_cpu(worker& w) {
  std::lock_guard lock(mu_);
  if (!w.current || w.lent_cpu != 0) return;
  for (const auto& [index, need] : shapes_[w.shape])
    if (index == cpu_index) w.lent_cpu = need;
  if (w.lent_cpu == 0) return;
  available_[cpu_index] += w.lent_cpu;
  dispatch_locked();
}

void scheduler::reclaim_cpu(worker& w) {
  std::lock_guard lock(mu_);
  // Taking the CPU back may overcommit the node for a while; refusing would deadlock a task
  // whose result just arrived.
  available_[cpu_index] -= w.lent_cpu;
  w.lent_cpu = 0;
}

std::map<std::string, double> scheduler::totals() const {
  std::lock_guard lock(mu_);
  std::map<std::string, double> out;
  for (std::uint32_t i = 0; i < total_.size(); ++i)
    if (total_[i] > 0) out[names_.name_of(i)] = to_units(total_[i]);
  return out;
}

std::map<std::string, double> scheduler::available() const {
  std::lock_guard lock(mu_);
  auto free = available_;
  // A task whose result is out is done with its resources, though its thread may not have
  // handed them back yet: count them as free, as the caller who just got the result expects.
  for (const auto& w : workers_)
    if (w->finishing.load(std::memory_order_acquire) && w->current)
      for (const auto& [index, need] : shapes_[w->shape]) free[index] += need;
  std::map<std::string, double> out;
  for (std::uint32_t i = 0; i < total_.size(); ++i)
    if (total_[i] > 0) out[names_.name_of(i)] = to_units(std::clamp<amount>(free[i], 0, total_[i]));
  return out;
}

void scheduler::stop(std::chrono::milliseconds grace, std::exception_ptr cancelled) {
  std::vector<job*> dropped;
  std::unique_lock lock(mu_);
  stopping_ = true;
  for (auto& q : queues_)
    while (job* j = q.pop()) dropped.push_back(j);
  while (job* j = infeasible_.pop()) dropped.push_back(j);
  active_shapes_.clear();
  for (worker* w : idle_)
    if (w->wake.exchange(wake_notified) == wake_sleeping) futex_wake_one(w->wake);
  idle_.clear();
  lock.unlock();
  for (job* j : dropped) {
    j->abandon(cancelled);
    delete j;
  }
  lock.lock();
  exited_.wait_for(lock, grace, [&] { return live_ == 0; });
  for (auto& w : workers_) {
    if (w->exited) {
      if (w->thread.joinable()) w->thread.join();
    } else {
      // Still running user code past the grace period: fail its result now and leave the
      // thread to finish on its own; it keeps this scheduler alive through its shared_ptr.
      if (w->current) w->current->abandon(cancelled);
      if (w->thread.joinable()) w->thread.detach();
    }
  }
}

// ---- blocking hooks --------------------------------------------------------------------------

namespace {
std::atomic<void (*)(bool)> blocking_observer{nullptr};
}  // namespace

void set_blocking_observer(void (*observer)(bool blocked)) noexcept { blocking_observer.store(observer); }

void begin_blocking() noexcept {
  if (!tls_worker || !tls_scheduler) return;
  tls_scheduler->lend_cpu(*tls_worker);
  if (auto* observer = blocking_observer.load(std::memory_order_relaxed)) observer(true);
}

void task_finishing() noexcept {
  if (tls_worker && tls_scheduler) tls_scheduler->finishing(*tls_worker);
}

void end_blocking() noexcept {
  if (!tls_worker || !tls_scheduler) return;
  if (auto* observer = blocking_observer.load(std::memory_order_relaxed)) observer(false);
  if (tls_worker->lent_cpu != 0) tls_scheduler->reclaim_cpu(*tls_worker);
}

}  // namespace actors::detail
