#include "actor_core.hpp"

#include "cluster_client.hpp"
#include "control_service.hpp"
#include "demangle.hpp"
#include "log.hpp"
#include "runtime.hpp"
#include "scheduler.hpp"

namespace actors::detail {
namespace {

thread_local actor_core* tls_actor = nullptr;

// Marks a call that was abandoned while still waiting for its arguments: it stays allocated
// until the last dependency callback, which then deletes it.
constexpr std::uint32_t zombie_shape = 0xffffffffu;

}  // namespace

actor_core* current_actor() noexcept { return tls_actor; }

/// Runs an actor's ready calls, one after another, on a scheduler thread.
class drain_job final : public job {
 public:
  explicit drain_job(std::shared_ptr<actor_core> core) : core_(std::move(core)) { shape = scheduler::empty_shape; }
  void run() noexcept override {
    started_.store(true);
    core_->drain();
  }
  void abandon(std::exception_ptr) noexcept override {
    if (started_.load()) return;  // shutdown gives up on a running drain: it ends by itself
    std::unique_lock lock(core_->mu_);
    if (--core_->running_ == 0) {
      core_->idle_.notify_all();
      if (core_->state_ == actor_core::state::dead) core_->finalize(lock);
    }
  }
  const std::string& name() const noexcept override {
    static const std::string n = "actor mailbox";
    return n;
  }

 private:
  std::shared_ptr<actor_core> core_;
  std::atomic<bool> started_{false};
};

actor_core::actor_core(runtime& rt, actor_id id, const actor_options& options, std::uint32_t shape,
                       const std::type_info& type)
    : runtime_(rt.weak_from_this()),
      scheduler_(rt.sched_ptr()),
      id_(id),
      options_(options),
      ns_(rt.ns()),
      shape_(shape),
      type_(&type),
      running_(1) {}  // the factory counts as running until finish_creation()

std::string actor_core::describe() const {
  std::string d = options_.name.empty() ? to_string(id_) : "'" + options_.name + "'";
  return d + " (" + demangle(type_->name()) + ")";
}

std::exception_ptr actor_core::death_error_locked() const {
  return std::make_exception_ptr(actor_died_error("actors: actor " + describe() + " is dead: " + death_reason_));
}

void actor_core::set_instance(std::shared_ptr<void> instance) {
  std::lock_guard lock(mu_);
  instance_ = std::move(instance);
}

void actor_core::set_creation_failure(std::exception_ptr e) {
  std::lock_guard lock(mu_);
  creation_failure_ = std::move(e);
}

bool actor_core::finish_creation() {
  bool factory_failed;
  {
    std::lock_guard lock(mu_);
    factory_failed = state_ == state::creating && !instance_;
  }
  // Free the name before anyone can learn that the actor is dead: a caller whose call fails
  // may at once create another actor under the same name.
  if (factory_failed) forget_name();
  std::vector<job*> abandoned;
  std::unique_lock lock(mu_);
  --running_;
  if (state_ == state::creating) {
    if (instance_) {
      state_ = token_.expired() && options_.name.empty() ? state::closing : state::alive;
      if (state_ == state::closing && !head_) {
        finalize(lock);
        return false;
      }
      resources_held_ = holds_resources_for_life();
      schedule_locked();
      return true;
    }
    state_ = state::dead;
    death_reason_ = "its factory failed";
    if (creation_failure_) {
      try {
        std::rethrow_exception(creation_failure_);
      } catch (const std::exception& e) {
        death_reason_ += ": ";
        death_reason_ += e.what();
      } catch (...) {
      }
    }
    fail_mailbox_locked(abandoned);
  }
  auto err = death_error_locked();
  idle_.notify_all();
  if (running_ == 0) finalize(lock);
  lock.unlock();
  for (job* j : abandoned) {
    j->abandon(err);
    if (j->shape != zombie_shape) delete j;
  }
  return false;
}

void actor_core::post(std::unique_ptr<job> call, std::span<cell* const> deps) {
  std::vector<cell*> waiting;
  for (cell* c : deps)
    if (!c->complete()) waiting.push_back(c);
  job* j = call.release();
  j->unresolved.store(static_cast<std::uint32_t>(waiting.size()), std::memory_order_relaxed);
  {
    std::unique_lock lock(mu_);
    if (state_ == state::dead || state_ == state::closing) {
      auto err = death_error_locked();
      lock.unlock();
      j->abandon(err);
      delete j;
      return;
    }
    j->next = nullptr;
    if (tail_) tail_->next = j;
    else head_ = j;
    tail_ = j;
    if (waiting.empty()) schedule_locked();
  }
  // Outside the lock: a callback may run right here if its cell completed meanwhile.
  for (cell* c : waiting) {
    c->on_complete([self = shared_from_this(), j] {
      std::unique_lock lock(self->mu_);
      if (j->unresolved.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      if (j->shape == zombie_shape) {
        lock.unlock();
        delete j;
        return;
      }
      self->schedule_locked();
    });
  }
}

void actor_core::schedule_locked() {
  if (state_ != state::alive && state_ != state::closing) return;
  if (running_ >= options_.max_concurrency || !head_ || head_->unresolved.load() != 0) return;
  ++running_;
  scheduler_->enqueue(new drain_job(shared_from_this()));
}

void actor_core::drain() {
  std::unique_lock lock(mu_);
  for (;;) {
    if ((state_ != state::alive && state_ != state::closing) || !head_ || head_->unresolved.load() != 0) break;
    job* j = head_;
    head_ = j->next;
    if (!head_) tail_ = nullptr;
    // With max_concurrency > 1, hand the next ready call to another thread.
    schedule_locked();
    lock.unlock();
    auto* previous = tls_actor;
    tls_actor = this;
    j->run();
    tls_actor = previous;
    delete j;
    lock.lock();
  }
  if (--running_ == 0) {
    idle_.notify_all();
    if (state_ == state::dead || (state_ == state::closing && !head_)) finalize(lock);
  }
}

void actor_core::fail_mailbox_locked(std::vector<job*>& abandoned) {
  for (job* j = head_; j;) {
    job* next = j->next;
    if (j->unresolved.load() != 0) j->shape = zombie_shape;
    abandoned.push_back(j);
    j = next;
  }
  head_ = tail_ = nullptr;
}

void actor_core::kill(const std::string& why, std::chrono::milliseconds grace) {
  forget_name();  // first, as in finish_creation: whoever sees the death finds the name free
  std::vector<job*> abandoned;
  std::unique_lock lock(mu_);
  if (state_ != state::dead) {
    state_ = state::dead;
    death_reason_ = why;
    fail_mailbox_locked(abandoned);
  }
  auto err = death_error_locked();
  lock.unlock();
  for (job* j : abandoned) {
    j->abandon(err);
    if (j->shape != zombie_shape) delete j;
  }
  lock.lock();
  // A call cannot be interrupted: wait for running ones to return, unless this is one of them.
  if (tls_actor != this && grace.count() > 0 && !idle_.wait_for(lock, grace, [&] { return running_ == 0; }))
    log_warning("actor " + describe() + " was killed while a call was still running; it ends when the call returns");
  if (running_ == 0) finalize(lock);
}

bool actor_core::ended() const {
  std::lock_guard lock(mu_);
  return state_ == state::dead;
}

void actor_core::finalize(std::unique_lock<std::mutex>& lock) {
  if (finalized_) return;
  finalized_ = true;
  state_ = state::dead;
  if (death_reason_.empty()) death_reason_ = "no handle to it remains";
  auto instance = std::move(instance_);
  bool release = resources_held_;
  resources_held_ = false;
  lock.unlock();
  instance.reset();  // the user's destructor runs here, outside our lock
  if (release) scheduler_->release(shape_);
  if (auto rt = runtime_.lock()) rt->remove_actor(id_);
  forget_name();
  lock.lock();
}

void actor_core::forget_name() {
  if (options_.name.empty() || name_forgotten_.exchange(true)) return;
  if (auto rt = runtime_.lock()) {
    try {
      rt->control().unregister_name(ns_, options_.name, id_);
    } catch (const std::exception& e) {
      log_warning(std::string("could not free an actor name: ") + e.what());
    }
  }
}

std::shared_ptr<actor_token> actor_core::token() {
  std::lock_guard lock(mu_);
  if (state_ == state::dead || state_ == state::closing) return nullptr;
  if (auto t = token_.lock()) return t;
  auto t = std::make_shared<actor_token>(shared_from_this());
  token_ = t;
  return t;
}

void actor_core::handles_released(const actor_token*) {
  std::unique_lock lock(mu_);
  if (!token_.expired() || !options_.name.empty()) return;  // a newer handle exists, or named
  if (state_ != state::alive) return;  // creating: finish_creation() sees no handles
  state_ = state::closing;
  if (running_ == 0 && !head_) finalize(lock);
}

actor_token::~actor_token() {
  if (core_) {
    core_->handles_released(this);
    return;
  }
  // A remote actor whose last handle went: it finishes its queued calls, then ends.
  if (auto rt = runtime_.lock(); rt && rt->cluster()) {
    rt->cluster()->release_actor(remote_);
    rt->forget_remote_actor(remote_id_);
  }
}

actor_id actor_token::id() const noexcept { return core_ ? core_->id() : remote_id_; }

}  // namespace actors::detail
