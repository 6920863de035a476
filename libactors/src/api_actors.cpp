// The actor services behind actors::actor(), actor_handle::task(), get_actor() and kill().
#include <actors/actor.hpp>

#include "actor_core.hpp"
#include "control_service.hpp"
#include "demangle.hpp"
#include "runtime.hpp"
#include "scheduler.hpp"

namespace actors {
namespace detail {
namespace {

thread_local actor_core* tls_creating = nullptr;

// How long kill() waits for a call that is running to return.
constexpr auto kill_grace = std::chrono::seconds(30);

/// Runs an actor's factory as a task, then makes the actor alive (or dead, if it failed).
class creation_job final : public job {
 public:
  creation_job(std::unique_ptr<job> factory, std::shared_ptr<actor_core> core)
      : factory_(std::move(factory)), core_(std::move(core)) {}
  void run() noexcept override {
    started_.store(true);
    tls_creating = core_.get();
    factory_->run();
    tls_creating = nullptr;
    if (core_->finish_creation() && core_->holds_resources_for_life()) scheduler::keep_resources_of_current_job();
  }
  void abandon(std::exception_ptr e) noexcept override {
    if (started_.load()) return;  // shutdown gives up on a running factory: it ends by itself
    core_->set_creation_failure(std::move(e));
    core_->finish_creation();
  }
  const std::string& name() const noexcept override { return factory_->name(); }

 private:
  std::unique_ptr<job> factory_;
  std::shared_ptr<actor_core> core_;
  std::atomic<bool> started_{false};
};

}  // namespace

std::shared_ptr<actor_token> create_actor(std::unique_ptr<job> factory, const actor_options& options,
                                          const std::type_info& type, std::span<cell* const> deps) {
  auto& rt = checked_runtime();
  // To be placed an actor needs 1 CPU unless it names its resources, which it then holds for life.
  auto shape = rt.sched().shape_for(options.resources);
  auto core = std::make_shared<actor_core>(rt, rt.next_actor_id(), options, shape, type);
  if (!options.name.empty() && !rt.control().register_name(rt.ns(), options.name, core->id()))
    throw error("actors: an actor named '" + options.name + "' already exists in namespace '" + rt.ns() + "'");
  rt.add_actor(core);
  auto token = core->token();
  rt.submit(std::make_unique<creation_job>(std::move(factory), core), shape, deps);
  return token;
}

void submit_actor_call(const actor_token& actor, std::unique_ptr<job> call, std::span<cell* const> deps) {
  actor.core().post(std::move(call), deps);
}

actor_id id_of(const actor_token& actor) noexcept { return actor.core().id(); }

void set_current_actor_instance(std::shared_ptr<void> instance) {
  if (!tls_creating) throw error("actors: an actor instance can only be installed by its factory");
  tls_creating->set_instance(std::move(instance));
}

void current_actor_failed(std::exception_ptr e) noexcept {
  if (tls_creating) tls_creating->set_creation_failure(std::move(e));
}

void* current_actor_instance() {
  auto* a = current_actor();
  if (!a || !a->instance()) throw error("actors: an actor method was called outside its actor");
  return a->instance();
}

std::shared_ptr<actor_token> find_named_actor(const std::string& name, const std::type_info& type) {
  auto& rt = checked_runtime();
  auto id = rt.control().lookup(rt.ns(), name);
  if (!id) return nullptr;
  auto core = rt.find_actor(*id);
  if (!core) return nullptr;
  if (core->type() != type)
    throw error("actors: the actor named '" + name + "' is a " + demangle(core->type().name()) + ", not a " +
                demangle(type.name()));
  return core->token();
}

void kill_actor(const actor_token& actor) { actor.core().kill("killed by actors::kill", kill_grace); }

std::shared_ptr<actor_token> find_actor_by_id(const actor_id& id, const std::type_info& type) {
  auto* rt = current_runtime();
  auto core = rt ? rt->find_actor(id) : nullptr;
  if (!core || core->type() != type) return nullptr;
  return core->token();
}

}  // namespace detail

bool was_current_actor_restarted() {
  // Embedded actors live in the driver's own process, which cannot die without the driver:
  // they are never restarted.
  return false;
}

}  // namespace actors
