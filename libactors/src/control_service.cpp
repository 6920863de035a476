#include "control_service.hpp"

#include <actors/error.hpp>

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <utility>

namespace actors::detail {
namespace {

using register_atom = caf::atom_constant<caf::atom("register")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;

// A round trip normally takes microseconds; this bounds a call if the service is wedged.
constexpr auto request_timeout = std::chrono::seconds(10);

using name_key = std::pair<std::string, std::string>;  // (namespace, name)

/// The directory itself; its map is touched only by its own message handlers.
class directory : public caf::event_based_actor {
 public:
  explicit directory(caf::actor_config& cfg) : caf::event_based_actor(cfg) {}

  caf::behavior make_behavior() override {
    return {
        [this](register_atom, const std::string& ns, const std::string& name, std::uint64_t hi,
               std::uint64_t lo) { return names_.emplace(name_key{ns, name}, actor_id{hi, lo}).second; },
        [this](lookup_atom, const std::string& ns, const std::string& name) {
          auto it = names_.find({ns, name});
          if (it == names_.end()) return caf::make_message(false, std::uint64_t{0}, std::uint64_t{0});
          return caf::make_message(true, it->second.hi, it->second.lo);
        },
        [this](forget_atom, const std::string& ns, const std::string& name, std::uint64_t hi,
               std::uint64_t lo) {
          auto it = names_.find({ns, name});
          bool forgotten = it != names_.end() && it->second == actor_id{hi, lo};
          if (forgotten) names_.erase(it);
          return forgotten;
        },
    };
  }

 private:
  std::map<name_key, actor_id> names_;
};

caf::actor_system_config make_config() {
  caf::actor_system_config cfg;
  // One scheduler thread is plenty for a directory, and the sharing policy answers a blocking
  // request in ~10 µs instead of the ~55 µs the work-stealing idle sleeps cost (notes/caf-0.17.md).
  cfg.set("scheduler.max-threads", 1);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

[[noreturn]] void fail(const caf::error& e) {
  throw error("actors: the control service did not answer: " + caf::to_string(e));
}

}  // namespace

struct control_service::impl {
  caf::actor_system_config config = make_config();
  caf::actor_system system{config};
  caf::actor service = system.spawn<directory>();

  ~impl() { caf::anon_send_exit(service, caf::exit_reason::user_shutdown); }
};

control_service::control_service() : impl_(std::make_unique<impl>()) {}
control_service::~control_service() = default;

bool control_service::register_name(const std::string& ns, const std::string& name, const actor_id& id) {
  caf::scoped_actor self{impl_->system};
  bool ok = false;
  self->request(impl_->service, request_timeout, register_atom::value, ns, name, id.hi, id.lo)
      .receive([&](bool registered) { ok = registered; }, [&](caf::error& e) { fail(e); });
  return ok;
}

std::optional<actor_id> control_service::lookup(const std::string& ns, const std::string& name) {
  caf::scoped_actor self{impl_->system};
  std::optional<actor_id> found;
  self->request(impl_->service, request_timeout, lookup_atom::value, ns, name)
      .receive(
          [&](bool present, std::uint64_t hi, std::uint64_t lo) {
            if (present) found = actor_id{hi, lo};
          },
          [&](caf::error& e) { fail(e); });
  return found;
}

void control_service::unregister_name(const std::string& ns, const std::string& name, const actor_id& id) {
  // A request, not a one-way send: a create with the same name right after must see it freed.
  caf::scoped_actor self{impl_->system};
  self->request(impl_->service, request_timeout, forget_atom::value, ns, name, id.hi, id.lo)
      .receive([](bool) {}, [&](caf::error& e) { fail(e); });
}

}  // namespace actors::detail
