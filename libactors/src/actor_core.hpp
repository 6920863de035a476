#pragma once
// One actor: its instance, its mailbox and its life. Calls run on the scheduler's threads, in
// mailbox order, at most max_concurrency at a time; a call whose arguments are not ready holds
// back the calls behind it, so each caller's calls run in the order they were submitted.
//
// Thread-safety: every member is safe to call from any thread.

#include <actors/detail/job.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>

namespace actors::detail {

class runtime;
class scheduler;
class remote_actor;

class actor_core : public std::enable_shared_from_this<actor_core> {
 public:
  actor_core(runtime& rt, actor_id id, const actor_options& options, std::uint32_t shape,
             const std::type_info& type);

  const actor_id& id() const noexcept { return id_; }
  const std::string& name() const noexcept { return options_.name; }
  const std::string& ns() const noexcept { return ns_; }
  const std::type_info& type() const noexcept { return *type_; }
  std::uint32_t shape() const noexcept { return shape_; }
  bool holds_resources_for_life() const noexcept { return options_.resources.has_value(); }
  /// Whether this instance replaces one whose process died (cluster mode, max_restarts). Set
  /// by its factory call before the factory runs; read by its calls, which come after.
  bool restarted() const noexcept { return restarted_; }
  void mark_restarted() noexcept { restarted_ = true; }

  // Creation, called from the creation job on a worker thread.
  void set_instance(std::shared_ptr<void> instance);
  void set_creation_failure(std::exception_ptr e);
  /// After the factory returned; true when the actor is now alive.
  bool finish_creation();

  void post(std::unique_ptr<job> call, std::span<cell* const> deps);

  /// Ends the actor: queued calls fail with actor_died_error saying `why`. Waits up to `grace`
  /// for running calls unless called from one of this actor's own calls.
  void kill(const std::string& why, std::chrono::milliseconds grace);

  /// A handle for this actor: the existing token, or a new one; null once the actor is gone.
  std::shared_ptr<actor_token> token();
  /// The last handle went away.
  void handles_released(const actor_token* token);

  void* instance() const noexcept { return instance_.get(); }
  /// Killed, released for good, or its factory failed.
  bool ended() const;

 private:
  enum class state { creating, alive, closing, dead };
  void schedule_locked();
  void drain();
  void fail_mailbox_locked(std::vector<job*>& abandoned);
  std::exception_ptr death_error_locked() const;
  void finalize(std::unique_lock<std::mutex>& lock);
  void forget_name();
  std::string describe() const;

  friend class drain_job;

  std::weak_ptr<runtime> runtime_;
  std::shared_ptr<scheduler> scheduler_;
  actor_id id_;
  actor_options options_;
  std::string ns_;
  std::uint32_t shape_;
  const std::type_info* type_;

  mutable std::mutex mu_;
  std::condition_variable idle_;
  state state_ = state::creating;
  std::string death_reason_;
  std::exception_ptr creation_failure_;
  std::shared_ptr<void> instance_;
  job* head_ = nullptr;
  job* tail_ = nullptr;
  int running_ = 0;
  bool finalized_ = false;
  bool resources_held_ = false;
  std::weak_ptr<actor_token> token_;
  std::atomic<bool> name_forgotten_{false};
  bool restarted_ = false;
};

/// What an actor_handle holds: the actor in this process (embedded mode, and actors a worker
/// hosts), or, in cluster mode, the actor this client created in a worker process.
class actor_token {
 public:
  explicit actor_token(std::shared_ptr<actor_core> core) noexcept : core_(std::move(core)) {}
  actor_token(std::shared_ptr<remote_actor> remote, actor_id id, std::weak_ptr<runtime> rt) noexcept
      : remote_(std::move(remote)), remote_id_(id), runtime_(std::move(rt)) {}
  ~actor_token();
  actor_token(const actor_token&) = delete;
  actor_token& operator=(const actor_token&) = delete;

  bool is_remote() const noexcept { return remote_ != nullptr; }
  actor_core& core() const noexcept { return *core_; }
  const std::shared_ptr<actor_core>& core_ptr() const noexcept { return core_; }
  const std::shared_ptr<remote_actor>& remote() const noexcept { return remote_; }
  actor_id id() const noexcept;

 private:
  std::shared_ptr<actor_core> core_;
  std::shared_ptr<remote_actor> remote_;
  actor_id remote_id_;
  std::weak_ptr<runtime> runtime_;
};

/// The actor whose call or factory this thread is running, or null.
actor_core* current_actor() noexcept;

/// Marks the actor whose factory this thread runs as a restarted one (a worker re-creating an
/// actor whose process died); outside a factory it does nothing.
void mark_creating_actor_restarted() noexcept;

}  // namespace actors::detail
