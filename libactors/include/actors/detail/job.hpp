#pragma once
/// A unit of user work the runtime schedules: a task, an actor's factory, or an actor method
/// call. The typed job templates (detail/invoke.hpp) implement it; the runtime (src/) owns
/// submitted jobs and runs each exactly once on one of its worker threads, or abandons it.

#include <actors/detail/cell.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace actors {

enum class lifetime : std::uint8_t { fate_shared = 0, detached = 1 };

namespace detail {

class job {
 public:
  virtual ~job() = default;
  /// Runs user code and completes the job's result. Never throws.
  virtual void run() noexcept = 0;
  /// Completes the result with `e` without running user code (cancelled, dependency failed,
  /// actor dead); at shutdown also called on a job still running past the grace period, which
  /// must then leave the job to finish by itself. Never throws.
  virtual void abandon(std::exception_ptr e) noexcept = 0;
  /// The registered name of the function, for errors and traces.
  virtual const std::string& name() const noexcept = 0;

  // Cluster mode: the call crosses to a worker process (detail/remote.hpp).
  /// The callable's mangled type, which the worker checks against its own registration.
  virtual const char* signature() const noexcept { return ""; }
  /// Writes the arguments; every dependency is complete and none failed. Throws actors::error
  /// for a job that cannot be sent.
  virtual void encode_arguments(writer& w) const;
  /// Completes the result from the worker's encoded answer; throws actors::error (and leaves
  /// the result pending) when the answer does not decode.
  virtual void accept_result(reader& r);
  /// accept_result from an encoded answer that `owner` keeps in place (a block of the node's
  /// store): an arithmetic array result is then read there instead of copied.
  virtual void accept_stored(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) {
    (void)owner;
    reader r(encoded);
    accept_result(r);
  }

  /// The cells the job waits for (its object_ref arguments); empty for jobs without any.
  virtual std::vector<cell*> dependencies() const { return {}; }
  /// Lineage (cluster mode): replaces the cell the job completes with `next`, returning the old
  /// one, so that a kept job can make its value again into a fresh cell. Null for jobs that
  /// complete no cell.
  virtual std::shared_ptr<cell> swap_result(std::shared_ptr<cell> next) {
    (void)next;
    return nullptr;
  }
  /// An empty cell of the job's result type, for swap_result.
  virtual std::shared_ptr<cell> new_result_cell() const { return nullptr; }

  // Runtime bookkeeping, owned by whichever runtime structure holds the job.
  job* next = nullptr;
  std::atomic<std::uint32_t> unresolved{0};
  std::uint32_t shape = 0;
  std::uint64_t sequence = 0;
};

using resource_map = std::map<std::string, double>;

struct task_options {
  std::string name;
  std::optional<resource_map> resources;
  int max_retries = 3;
  bool retry_exceptions = false;
};

struct actor_options {
  std::string name;
  std::optional<resource_map> resources;
  int max_restarts = 0;
  int max_task_retries = 0;
  int max_concurrency = 1;
  actors::lifetime lifetime = actors::lifetime::fate_shared;
  bool dedicated_process = false;
};

/// Submits a task; it runs once every cell in `deps` is complete and its resources are free.
void submit_task(std::unique_ptr<job> j, const task_options& options, std::span<cell* const> deps);

/// Wraps the exception user code threw into the error get() rethrows (task_error with type,
/// message, function and place), keeping actors::error subclasses as they are.
std::exception_ptr wrap_user_exception(std::exception_ptr e, const std::string& function);

/// Called by a task right before it publishes its result: the thread running it is about to
/// look for more work, so a caller that reacts to the result by submitting the next task does
/// not wake another thread for it (a wake-up costs ~40 µs on these machines).
void task_finishing() noexcept;

/// The first failed dependency's exception, or null.
std::exception_ptr first_failure(std::span<cell* const> deps) noexcept;

// ---- actors ----------------------------------------------------------------------------------

/// Shared by every actor_handle copy that names one actor; when the last goes, an unnamed actor
/// finishes its queued calls and ends. Defined in src/.
class actor_token;

/// Creates an actor whose factory job runs like a task; calls may be submitted at once and run
/// after the factory finished, in submission order.
std::shared_ptr<actor_token> create_actor(std::unique_ptr<job> factory, const actor_options& options,
                                          const std::type_info& type, std::span<cell* const> deps);

/// create_actor with the id chosen by the caller: a worker hosts an actor under its client's id.
std::shared_ptr<actor_token> create_actor_with_id(std::unique_ptr<job> factory, const actor_options& options,
                                                  const std::type_info& type, std::span<cell* const> deps,
                                                  actor_id id);

void submit_actor_call(const actor_token& actor, std::unique_ptr<job> call, std::span<cell* const> deps);

actor_id id_of(const actor_token& actor) noexcept;

/// Inside a factory job: installs the constructed instance. Inside a method call: the instance.
void set_current_actor_instance(std::shared_ptr<void> instance);
void* current_actor_instance();
/// Inside a factory job: construction failed with `e`; the actor is dead.
void current_actor_failed(std::exception_ptr e) noexcept;

std::shared_ptr<actor_token> find_named_actor(const std::string& name, const std::type_info& type);
void kill_actor(const actor_token& actor);

/// For encoding handles: the handle is written into a message, whose receiver borrows it.
void note_handle_written(const std::shared_ptr<actor_token>& actor);

/// For decoding handles: the live actor with this id and type, or null.
std::shared_ptr<actor_token> find_actor_by_id(const actor_id& id, const std::type_info& type);

}  // namespace detail
}  // namespace actors
