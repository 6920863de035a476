#include "object_exchange.hpp"

#include "actor_core.hpp"
#include "call_errors.hpp"
#include "cluster/work_protocol.hpp"
#include "located_value.hpp"
#include "log.hpp"
#include "runtime.hpp"
#include "store_client.hpp"

#include <unistd.h>

namespace actors::detail {
namespace {

namespace wire = actors::cluster;

// A fetch waits for the object to be made, which may take as long as the task making it runs;
// the timeout only bounds a peer that never answers while its connection stays open.
constexpr auto fetch_timeout = std::chrono::hours(24);

thread_local object_exchange::lent* written_refs = nullptr;
thread_local object_exchange::decode_scope* decoding_from = nullptr;

bool is_object_lost(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const object_lost_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

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

void object_exchange::note_written(const std::shared_ptr<stored_block>& block) {
  if (written_refs && block) written_refs->blocks.push_back(block);
}

void object_exchange::block_taken(const net::connection_ptr& from, const object_id& block) {
  if (from && from->is_open()) from->send(wire::encode_work(wire::work_kind::block_taken, wire::object_key::of(block)));
}

void object_exchange::release_handle(const net::connection_ptr& lender, const actor_id& id) {
  if (lender && lender->is_open())
    lender->send(wire::encode_work(wire::work_kind::release_handle, wire::object_key{id.hi, id.lo}));
}

object_exchange::decode_scope* object_exchange::current_source() noexcept { return decoding_from; }

void object_exchange::pin(const net::connection_ptr& c, lent what) {
  if ((what.cells.empty() && what.actors.empty() && what.blocks.empty()) || !c->is_open()) return;
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
  for (auto& block : what.blocks) {
    auto& p = table.blocks[block->id()];
    if (!p.held) p.held = std::move(block);
    ++p.count;
  }
}

template <class T, class Id>
std::shared_ptr<T> object_exchange::unpin(std::unordered_map<Id, pinned<T>>& table, const Id& id) {
  auto it = table.find(id);
  if (it == table.end() || --it->second.count > 0) return nullptr;
  auto dropped = std::move(it->second.held);
  table.erase(it);
  return dropped;
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
      if (auto table = pins_.find(c.get()); table != pins_.end()) dropped = unpin(table->second.cells, key.id());
      return true;
    }
    case wire::work_kind::release_handle: {
      auto key = wire::decode_work<wire::object_key>(f);
      std::shared_ptr<actor_token> dropped;  // its destructor may release the actor: outside the lock
      std::lock_guard lock(mu_);
      if (auto table = pins_.find(c.get()); table != pins_.end())
        dropped = unpin(table->second.actors, actor_id{key.hi, key.lo});
      return true;
    }
    case wire::work_kind::block_taken: {
      auto key = wire::decode_work<wire::object_key>(f);
      std::shared_ptr<stored_block> dropped;  // its release goes to the node outside the lock
      std::lock_guard lock(mu_);
      if (auto table = pins_.find(c.get()); table != pins_.end()) dropped = unpin(table->second.blocks, key.id());
      return true;
    }
    default: return false;
  }
}

void object_exchange::serve_fetch(const net::connection_ptr& c, const net::frame& request) {
  auto asked = wire::decode_work<wire::fetch_request>(request);
  auto id = asked.id();
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
  found->on_complete([weak, c, stub, found, probe = asked.copy_unreadable] {
    if (found->failed())
      return void(c->reply(*stub, wire::encode_work(wire::work_kind::call_result, describe_failure(0, found->exception()))));
    // A value left on the node that made it: if that node died (or, asked again by a borrower
    // that could not read it there, does not confirm it has it), it is made again first. Any
    // other value is answered at once.
    when_arguments_present({found.get()}, probe, [weak, c, stub, found](std::exception_ptr lost) {
      if (lost) return void(c->reply(*stub, wire::encode_work(wire::work_kind::call_result, describe_failure(0, lost))));
      if (auto self = weak.lock()) self->answer_fetch(c, *stub, found);
    });
  });
}

void object_exchange::answer_fetch(const net::connection_ptr& c, const net::frame& request,
                                   const std::shared_ptr<cell>& found) {
  writer w;
  pin_scope pins;  // a value holding refs (object_ref<object_ref<T>>) lends them too
  wire::call_result_header answer;
  try {
    // A value left on the node that made it is named there; an array in the node's store goes
    // as it is; another large value is copied there.
    auto* elsewhere = dynamic_cast<const located_value*>(found->location());
    if (auto at = elsewhere ? elsewhere->block() : std::nullopt) {
      answer.stored = *at;
    } else {
      auto block = store_client::array_block_of(found->array_buffer());
      if (!block) found->encode_value(w);
      send_through_store(rt_.node_store(), std::move(block), w, answer.stored);
    }
  } catch (...) {
    c->reply(request, wire::encode_work(wire::work_kind::call_result, describe_failure(0, std::current_exception())));
    return;
  }
  pin(c, pins.take());
  const std::uint64_t bytes = w.bytes().size();
  auto sent = c->reply(request, wire::encode_work(wire::work_kind::call_result, answer, std::move(w.bytes())));
  if (!sent && sent.error().code == net::errc::frame_too_large)
    c->reply(request, wire::encode_work(wire::work_kind::call_result,
                                        describe_failure(0, too_large_to_send("the object " + to_string(found->id), bytes,
                                                                              "the node's store had no room for it "
                                                                              "(raise object_store_memory)"))));
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
  // Findable for later messages, but not lent: decoding is not writing (a worker decodes its
  // arguments inside the pin_scope that collects what its result lends).
  rt_.remember_cell(borrowed);
  fetch(from, borrowed);
  return borrowed;
}

void object_exchange::fetch(const net::connection_ptr& from, const std::shared_ptr<cell>& into, bool copy_unreadable) {
  std::weak_ptr<cell> weak_cell = into;
  std::weak_ptr<object_exchange> weak = weak_from_this();
  auto id = into->id;
  std::weak_ptr<net::connection> peer = from;
  from->request(
      wire::encode_work(wire::work_kind::fetch_object, wire::fetch_request{id.hi, id.lo, copy_unreadable}), fetch_timeout,
      [weak, weak_cell, peer, id, copy_unreadable](net::result<net::frame> reply) {
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
          if (!header.stored.empty())
            return self->receive_stored(
                from, header.stored, "the object " + to_string(id),
                [c](std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) { c->decode_stored(encoded, owner); },
                [c, weak, peer, copy_unreadable](std::exception_ptr e) {
                  // The copy it named is gone (its node died): ask once more, so that the
                  // owner checks and makes the value again from its lineage.
                  auto self = weak.lock();
                  auto from = peer.lock();
                  if (!copy_unreadable && self && from && from->is_open() && is_object_lost(e))
                    return self->fetch(from, c, true);
                  c->set_exception(std::move(e));
                });
          decode_scope scope(self, from);  // refs inside the value come from the same peer
          reader r(tail);
          c->decode_value(r);
        } catch (...) {
          c->set_exception(std::current_exception());
        }
      });
}

void object_exchange::send_through_store(store_client* store, std::shared_ptr<stored_block> block, writer& w,
                                         cluster::block_ref& stored) {
  if (!block && store && w.bytes().size() >= store_threshold) block = store->stow(w.bytes());
  if (!block) return;
  stored = block->ref();
  note_written(block);
  w.bytes().clear();
}

void object_exchange::receive_stored(const net::connection_ptr& from, const cluster::block_ref& ref,
                                     const std::string& what, stored_use use,
                                     std::function<void(std::exception_ptr)> fail) {
  auto* store = rt_.node_store();
  if (!store)
    return fail(std::make_exception_ptr(object_lost_error("actors: " + what + " is in a node's store, and this node has none")));
  std::weak_ptr<object_exchange> weak = weak_from_this();
  store->open(ref, [weak, from, ref, what, use = std::move(use), fail = std::move(fail)](std::shared_ptr<stored_block> block,
                                                                                           std::string why) {
    if (!block)
      return fail(std::make_exception_ptr(
          object_lost_error("actors: " + what + " could not be read from the node's store: " + why)));
    block_taken(from, ref.id());
    auto self = weak.lock();
    if (!self) return fail(std::make_exception_ptr(error("actors: the runtime stopped")));
    try {
      decode_scope scope(self, from);
      use(block->payload(), block);
    } catch (...) {
      fail(std::current_exception());
    }
  });
}

}  // namespace actors::detail
