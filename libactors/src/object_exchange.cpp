#include "object_exchange.hpp"

#include "actor_core.hpp"
#include "call_errors.hpp"
#include "cluster/work_protocol.hpp"
#include "log.hpp"
#include "runtime.hpp"

#include <unistd.h>

namespace actors::detail {
namespace {

namespace wire = actors::cluster;

// A fetch waits for the object to be made, which may take as long as the task making it runs;
// the timeout only bounds a peer that never answers while its connection stays open.
constexpr auto fetch_timeout = std::chrono::hours(24);

thread_local object_exchange::lent* written_refs = nullptr;
thread_local object_exchange::decode_scope* decoding_from = nullptr;

}  // namespace

object_exchange::pin_scope::pin_scope() : outer_(written_refs) { written_refs = &pins_; }
object_exchange::pin_scope::~pin_scope() { written_refs = outer_; }

object_exchange::decode_scope::decode_scope(std::shared_ptr<object_exchange> x, net::connection_ptr c)
    : exchange(std::move(x)), from(std::move(c)), outer_(decoding_from) {
  decoding_from = this;
}
object_exchange::decode_scope::~decode_scope() { decoding_from = outer_; }

void object_exchange::note_written(const std::shared_ptr<cell>& c) {
  if (written_refs) written_refs->cells.push_back(c);
}

void object_exchange::note_written(const std::shared_ptr<actor_token>& actor) {
  if (written_refs && actor) written_refs->actors.push_back(actor);
}

void object_exchange::release_handle(const net::connection_ptr& lender, const actor_id& id) {
  if (lender && lender->is_open())
    lender->send(wire::encode_work(wire::work_kind::release_handle, wire::object_key{id.hi, id.lo}));
}

object_exchange::decode_scope* object_exchange::current_source() noexcept { return decoding_from; }

void object_exchange::pin(const net::connection_ptr& c, lent what) {
  if ((what.cells.empty() && what.actors.empty()) || !c->is_open()) return;
  std::lock_guard lock(mu_);
  auto& table = pins_[c.get()];
  for (auto& cell : what.cells) {
    auto& p = table.cells[cell->id];
    if (!p.held) p.held = std::move(cell);
    ++p.count;
  }
  for (auto& actor : what.actors) {
    auto& p = table.actors[id_of(*actor)];
    if (!p.held) p.held = std::move(actor);
    ++p.count;
  }
}

void object_exchange::forget(const net::connection* c) {
  connection_pins dropped;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  if (auto it = pins_.find(c); it != pins_.end()) {
    dropped = std::move(it->second);
    pins_.erase(it);
  }
}

bool object_exchange::serve(const net::connection_ptr& c, net::frame& f) {
  switch (static_cast<wire::work_kind>(f.kind)) {
    case wire::work_kind::fetch_object:
      serve_fetch(c, f);
      return true;
    case wire::work_kind::release_object: {
      auto key = wire::decode_work<wire::object_key>(f);
      std::shared_ptr<cell> dropped;  // destroyed outside the lock
      std::lock_guard lock(mu_);
      auto table = pins_.find(c.get());
      if (table == pins_.end()) return true;
      auto it = table->second.cells.find(key.id());
      if (it != table->second.cells.end() && --it->second.count == 0) {
        dropped = std::move(it->second.held);
        table->second.cells.erase(it);
      }
      return true;
    }
    case wire::work_kind::release_handle: {
      auto key = wire::decode_work<wire::object_key>(f);
      std::shared_ptr<actor_token> dropped;  // its destructor may release the actor: outside the lock
      std::lock_guard lock(mu_);
      auto table = pins_.find(c.get());
      if (table == pins_.end()) return true;
      auto it = table->second.actors.find(actor_id{key.hi, key.lo});
      if (it != table->second.actors.end() && --it->second.count == 0) {
        dropped = std::move(it->second.held);
        table->second.actors.erase(it);
      }
      return true;
    }
    default: return false;
  }
}

void object_exchange::serve_fetch(const net::connection_ptr& c, const net::frame& request) {
  auto id = wire::decode_work<wire::object_key>(request).id();
  auto stub = wire::reply_stub(request);
  auto found = rt_.find_exported(id);
  if (!found) {
    wire::call_result_header answer{.outcome = wire::call_outcome::object_lost_error,
                                    .message = "actors: the object " + to_string(id) + " is no longer held by process " +
                                               std::to_string(::getpid()) + ", which was asked for it"};
    c->reply(*stub, wire::encode_work(wire::work_kind::call_result, answer));
    return;
  }
  std::weak_ptr<object_exchange> weak = weak_from_this();
  found->on_complete([weak, c, stub, found] {
    if (found->failed())
      return void(c->reply(*stub, wire::encode_work(wire::work_kind::call_result, describe_failure(0, found->exception()))));
    writer w;
    pin_scope pins;  // a value holding refs (object_ref<object_ref<T>>) lends them too
    try {
      found->encode_value(w);
    } catch (...) {
      c->reply(*stub, wire::encode_work(wire::work_kind::call_result, describe_failure(0, std::current_exception())));
      return;
    }
    if (auto self = weak.lock()) self->pin(c, pins.take());
    c->reply(*stub, wire::encode_work(wire::work_kind::call_result, wire::call_result_header{}, std::move(w.bytes())));
  });
}

std::shared_ptr<cell> object_exchange::import(const object_id& id, const std::type_info& type, make_cell_fn make,
                                              const net::connection_ptr& from) {
  if (auto known = rt_.find_exported(id); known && known->type() == type) {
    from->send(wire::encode_work(wire::work_kind::release_object, wire::object_key::of(id)));  // owed at once
    return known;
  }
  auto inner = make();
  inner->id = id;
  // The handle user code gets: when its last copy goes, the peer's pin is released.
  std::weak_ptr<net::connection> peer = from;
  std::shared_ptr<cell> borrowed(inner.get(), [inner, peer, id](cell*) mutable {
    if (auto c = peer.lock(); c && c->is_open())
      c->send(wire::encode_work(wire::work_kind::release_object, wire::object_key::of(id)));
    inner.reset();
  });
  rt_.export_cell(borrowed);
  fetch(from, borrowed);
  return borrowed;
}

void object_exchange::fetch(const net::connection_ptr& from, const std::shared_ptr<cell>& into) {
  std::weak_ptr<cell> weak_cell = into;
  std::weak_ptr<object_exchange> weak = weak_from_this();
  auto id = into->id;
  std::weak_ptr<net::connection> peer = from;
  from->request(
      wire::encode_work(wire::work_kind::fetch_object, wire::object_key::of(id)), fetch_timeout,
      [weak, weak_cell, peer, id](net::result<net::frame> reply) {
        auto c = weak_cell.lock();
        if (!c) return;
        if (!reply)
          return void(c->set_exception(std::make_exception_ptr(object_lost_error(
              "actors: the object " + to_string(id) + " could not be fetched from the process that lent it: " +
              to_string(reply.error())))));
        try {
          std::span<const std::byte> tail;
          auto header = wire::decode_work<wire::call_result_header>(*reply, &tail);
          if (header.outcome != wire::call_outcome::ok) return void(c->set_exception(exception_from(header)));
          auto self = weak.lock();
          auto from = peer.lock();
          if (!self || !from) throw error("actors: the runtime stopped while an object was fetched");
          decode_scope scope(self, from);  // refs inside the value come from the same peer
          reader r(tail);
          c->decode_value(r);
        } catch (...) {
          c->set_exception(std::current_exception());
        }
      });
}

}  // namespace actors::detail
