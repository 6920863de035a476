// The actor services behind actors::actor(), actor_handle::task(), get_actor() and kill().
#include <actors/actor.hpp>

#include "actor_core.hpp"
#include "cluster_client.hpp"
#include "control_service.hpp"
#include "demangle.hpp"
#include "head_link.hpp"
#include "object_exchange.hpp"
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

std::shared_ptr<actor_token> create_actor_with_id(std::unique_ptr<job> factory, const actor_options& options,
                                                  const std::type_info& type, std::span<cell* const> deps,
                                                  actor_id id) {
  auto& rt = checked_runtime();
  if (!options.name.empty() && !rt.control().register_name(rt.ns(), options.name, id))
    throw error("actors: an actor named '" + options.name + "' already exists in namespace '" + rt.ns() + "'");
  // To be placed an actor needs 1 CPU unless it names its resources, which it then holds for life.
  auto shape = rt.sched().shape_for(options.resources);
  auto core = std::make_shared<actor_core>(rt, id, options, shape, type);
  rt.add_actor(core);
  auto token = core->token();
  rt.submit(std::make_unique<creation_job>(std::move(factory), core), shape, deps);
  return token;
}

std::shared_ptr<actor_token> create_actor(std::unique_ptr<job> factory, const actor_options& options,
                                          const std::type_info& type, std::span<cell* const> deps) {
  auto& rt = checked_runtime();
  auto id = rt.next_actor_id();
  auto* cluster = rt.cluster();
  if (!cluster) return create_actor_with_id(std::move(factory), options, type, deps, id);
  // Cluster mode: the actor lives in a worker process the node manager places it on; a name
  // is taken in the head's directory, so that every driver and worker finds it.
  cluster::named_actor entry{.ns = rt.ns(), .name = options.name, .id_hi = id.hi, .id_lo = id.lo, .type = type.name()};
  if (!options.name.empty()) {
    if (!rt.head()) throw error("actors: named actors need the head, which this process cannot reach");
    if (auto why = rt.head()->register_name(entry); !why.empty()) throw error("actors: " + why);
  }
  std::shared_ptr<remote_actor> remote;
  try {
    remote = cluster->create_actor(std::move(factory), options, type, deps, id);
  } catch (...) {
    if (!options.name.empty()) rt.head()->unregister_name(entry);
    throw;
  }
  auto token = std::make_shared<actor_token>(std::move(remote), id, rt.weak_from_this());
  rt.add_remote_actor(id, token, type, "");
  // A named actor outlives its handles (API.md): it ends when killed or when its creator leaves.
  if (!options.name.empty()) rt.keep_named_actor(id, token);
  return token;
}

void submit_actor_call(const actor_token& actor, std::unique_ptr<job> call, std::span<cell* const> deps) {
  if (!actor.is_remote()) return actor.core().post(std::move(call), deps);
  auto* rt = current_runtime();
  if (!rt || !rt->cluster()) {
    call->abandon(std::make_exception_ptr(actor_died_error("actors: the runtime that created this actor was shut down")));
    return;
  }
  rt->cluster()->call_actor(actor.remote(), std::move(call), deps);
}

actor_id id_of(const actor_token& actor) noexcept { return actor.id(); }

void set_current_actor_instance(std::shared_ptr<void> instance) {
  if (!tls_creating) throw error("actors: an actor instance can only be installed by its factory");
  tls_creating->set_instance(std::move(instance));
}

void mark_creating_actor_restarted() noexcept {
  if (tls_creating) tls_creating->mark_restarted();
}

void current_actor_failed(std::exception_ptr e) noexcept {
  if (tls_creating) tls_creating->set_creation_failure(std::move(e));
}

void* current_actor_instance() {
  auto* a = current_actor();
  if (!a || !a->instance()) throw error("actors: an actor method was called outside its actor");
  return a->instance();
}

namespace {

/// Cluster mode: the head's directory knows every named actor; a handle to one this process
/// does not know yet is borrowed and called at its host directly.
std::shared_ptr<actor_token> find_named_actor_in_cluster(runtime& rt, const std::string& name,
                                                        const std::type_info& type) {
  auto found = rt.head()->lookup_name(rt.ns(), name);
  // A name is taken before its actor is placed; its host is known a moment later.
  for (int i = 0; found && found->address.empty() && i < 500; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    found = rt.head()->lookup_name(rt.ns(), name);
  }
  if (!found) return nullptr;
  if (found->type != type.name())
    throw error("actors: the actor named '" + name + "' is a " + demangle(found->type.c_str()) + ", not a " +
                demangle(type.name()));
  if (found->address.empty()) throw actor_died_error("actors: the actor named '" + name + "' was never placed");
  actor_id id{found->id_hi, found->id_lo};
  if (auto core = rt.find_actor(id)) return core->token();  // hosted by this very worker
  if (auto remote = rt.find_remote_actor(id))
    if (auto token = remote->token.lock()) return token;
  auto token = std::make_shared<actor_token>(rt.cluster()->borrow_actor_at(*found), id, rt.weak_from_this());
  rt.add_remote_actor(id, token, type, "");
  return token;
}

}  // namespace

std::shared_ptr<actor_token> find_named_actor(const std::string& name, const std::type_info& type) {
  auto& rt = checked_runtime();
  if (rt.head() && rt.cluster()) return find_named_actor_in_cluster(rt, name, type);
  auto id = rt.control().lookup(rt.ns(), name);
  if (!id) return nullptr;
  const std::type_info* actual = nullptr;
  std::shared_ptr<actor_token> token;
  if (auto core = rt.find_actor(*id)) {
    actual = &core->type();
    token = core->token();
  } else if (auto remote = rt.find_remote_actor(*id)) {
    actual = remote->type;
    token = remote->token.lock();
  }
  if (!token) return nullptr;
  if (*actual != type)
    throw error("actors: the actor named '" + name + "' is a " + demangle(actual->name()) + ", not a " +
                demangle(type.name()));
  return token;
}

void kill_actor(const actor_token& actor) {
  if (!actor.is_remote()) return actor.core().kill("killed by actors::kill", kill_grace);
  auto* rt = current_runtime();
  if (!rt || !rt->cluster()) return;
  rt->cluster()->kill_actor(actor.remote(), "actors: the actor was killed by actors::kill");
  rt->forget_remote_actor(actor.id());
  rt->drop_named_actor(actor.id());
}

void note_handle_written(const std::shared_ptr<actor_token>& actor) { object_exchange::note_written(actor); }

std::shared_ptr<actor_token> find_actor_by_id(const actor_id& id, const std::type_info& type) {
  auto* rt = current_runtime();
  if (!rt) return nullptr;
  std::shared_ptr<actor_token> known;
  if (auto core = rt->find_actor(id)) {
    if (core->type() != type) return nullptr;
    known = core->token();
  } else if (auto remote = rt->find_remote_actor(id); remote && *remote->type == type) {
    known = remote->token.lock();
  }
  // A handle inside a message from another process: that process lent it (object_exchange.hpp).
  auto* source = object_exchange::current_source();
  if (!source || !rt->cluster()) return known;
  if (known) {
    object_exchange::release_handle(source->from, id);  // this process holds it already
    return known;
  }
  auto token = std::make_shared<actor_token>(rt->cluster()->borrow_actor(id, source->from), id, rt->weak_from_this());
  rt->add_remote_actor(id, token, type, "");
  return token;
}

}  // namespace detail

bool was_current_actor_restarted() {
  // Embedded actors live in the driver's own process, which cannot die without the driver:
  // they are never restarted. A worker re-creating an actor marks it (cluster_client).
  const auto* a = detail::current_actor();
  if (!a) a = detail::tls_creating;
  return a && a->restarted();
}

}  // namespace actors
