// The puller's connection side: pulls in, links to peers, frames from them, shutting down.
// The transfer side (open replies, chunks, endings) is pull_state.cpp.
#include "transfer/puller_core.hpp"

#include "transfer/wire.hpp"
#include "transport/connect.hpp"

#include <algorithm>

namespace actors::transfer::detail {

namespace os = actors::object_store;

deferred::~deferred() {
  // The only calls that could throw are pulls' callbacks, which finish() wraps; a destructor
  // must not throw in any case.
  for (auto& f : calls_) {
    try {
      f();
    } catch (...) {
    }
  }
}

std::string transfer::what() const { return "pulling object " + os::to_string(id) + " from " + from; }

landing::~landing() {
  if (arrived.load(std::memory_order_acquire)) return;
  // `of->in` lives while this claim is counted: the transfer's end waits for it.
  of->in->abandon(index);
  core->claim_ended(of);
}

void puller_core::pull(os::object_id id, const net::address& from, object_puller::done_fn done) {
  deferred later;
  std::lock_guard lock(mu_);
  auto tell = [&](result<pulled> r) {
    later.call([done = std::move(done), r = std::move(r)] { done(r); });  // a throw is dropped
  };
  if (id.nil()) return tell(actors::transfer::fail(errc::invalid_argument, "cannot pull the nil object id"));
  if (closed_)
    return tell(actors::transfer::fail(
        errc::shut_down, "pulling object " + os::to_string(id) + " from " + from.to_string() + ": the puller is closed"));
  if (auto it = transfers_.find(id); it != transfers_.end()) {
    it->second->waiters.emplace_back(std::move(done), true);
    ++stats_.joined;
    return;
  }
  if (store_.contains(id)) {
    ++stats_.already_local;
    return tell(pulled{.already_local = true});
  }
  auto t = std::make_shared<transfer>(id, from.to_string());
  t->waiters.emplace_back(std::move(done), false);
  transfers_.emplace(id, t);
  ++stats_.transfers;
  ++stats_.active;
  auto& l = links_[t->from];
  if (!l) {
    l = std::make_shared<link>(from);
    connect(l, later);
  }
  t->via = l;
  l->users.push_back(t);
  l->waiting.push_back(t);
  open_more(l);
}

void puller_core::open_more(const link_ptr& l) {
  if (!l->conn || l->closed || closed_) return;
  while (l->open < options_.max_open_per_peer && !l->waiting.empty()) {
    auto t = std::move(l->waiting.front());
    l->waiting.pop_front();
    if (t->ended) continue;
    t->opened = true;
    ++l->open;
    send_open(t);
  }
}

void puller_core::connect(const link_ptr& l, deferred& later) {
  std::weak_ptr<puller_core> core = weak_from_this();
  std::weak_ptr<link> weak = l;
  // Weak pointers only: a connection keeps its options (allocate_body) for its whole life, and
  // the link keeps the connection.
  net::handlers h;
  h.on_frame = [core, weak](const net::connection_ptr&, net::frame&& f) {
    if (auto c = core.lock()) c->on_frame(weak, std::move(f));
  };
  h.on_closed = [core, weak](const net::connection_ptr&, const net::error& why) {
    if (auto c = core.lock()) c->on_closed(weak, why);
  };
  net::options o;
  // A chunk, or an inline object with the reply's fixed part and room for the server's words.
  o.max_frame_size = static_cast<std::uint32_t>(std::max(options_.chunk_size, options_.inline_max + (64u << 10)));
  o.connect_timeout = options_.connect_timeout;
  o.auth_timeout = options_.auth_timeout;
  o.log = options_.log;
  o.allocate_body = [core, weak](const net::frame_header& header) {
    if (auto c = core.lock()) return c->allocate(weak, header);
    return net::body_buffer(header.length);
  };
  // Outside mu_: connect() calls back inline when the io_context is shutting down.
  later.call([this, core, l, h = std::move(h), o = std::move(o)] {
    net::connect(ctx_, l->to, token_, h, o, [core, l](net::result<net::connection_ptr> c) {
      if (auto self = core.lock())
        self->on_connected(l, std::move(c));
      else if (c)
        (*c)->close("the object puller is gone");
    });
  });
}

void puller_core::on_connected(const link_ptr& l, net::result<net::connection_ptr> c) {
  deferred later;
  std::lock_guard lock(mu_);
  if (!c) {
    const auto& e = c.error();
    const auto code = e.code == net::errc::auth_failed ? errc::auth_failed
                      : e.code == net::errc::shut_down ? errc::shut_down
                                                       : errc::connect_failed;
    l->closed = true;
    if (auto it = links_.find(l->key); it != links_.end() && it->second == l) links_.erase(it);
    auto users = std::move(l->users);
    l->users.clear();
    l->waiting.clear();
    for (const auto& t : users) fail(t, {code, t->what() + ": " + net::to_string(e)}, later);
    later.call([users = std::move(users)] {});
    return;
  }
  if (l->closed || closed_) {  // the puller closed meanwhile, or the peer already hung up
    later.call([conn = *c] { conn->close("the object puller is closed"); });
    return;
  }
  l->conn = *c;
  open_more(l);
}

net::body_buffer puller_core::allocate(const std::weak_ptr<link>& weak, const net::frame_header& h) {
  if (h.kind != number(kind::chunk_data)) return net::body_buffer(h.length);
  auto l = weak.lock();
  if (!l) return net::body_buffer(h.length);
  std::lock_guard lock(mu_);
  auto it = l->slots.find(h.correlation_id);
  // A chunk of a transfer that ended meanwhile: read into a scratch buffer and dropped.
  if (it == l->slots.end()) return net::body_buffer(h.length);
  auto& slot = it->second;
  const auto& t = slot.of;
  const auto c = t->in->plan().at(slot.index);
  if (h.flags & net::flag_response) {  // the transport would hand it to a request, not to us
    l->why = error{errc::protocol_error, l->key + " sent chunk " + std::to_string(slot.index) + " of object " +
                                             os::to_string(t->id) + " flagged as a reply"};
    return {};
  }
  if (h.length != c->size) {
    // An empty buffer makes the transport close the connection; on_closed reports this.
    l->why = error{errc::protocol_error, l->key + " sent chunk " + std::to_string(slot.index) + " of object " +
                                             os::to_string(t->id) + " as " + std::to_string(h.length) +
                                             " bytes; that chunk is " + std::to_string(c->size)};
    return {};
  }
  auto room = t->in->claim(slot.index);
  if (!room) {  // we ask for each chunk once: the peer answered one tag twice
    l->why = error{errc::protocol_error, l->key + " sent chunk " + std::to_string(slot.index) + " of object " +
                                             os::to_string(t->id) + " twice"};
    return {};
  }
  auto landed = std::make_shared<landing>(shared_from_this(), t, slot.index);
  slot.landed = landed;
  ++t->claims;
  return net::body_buffer(*room, std::move(landed));
}

void puller_core::on_frame(const std::weak_ptr<link>& weak, net::frame&& f) {
  auto l = weak.lock();
  if (!l) return;
  deferred later;
  std::lock_guard lock(mu_);
  const bool data = f.kind == number(kind::chunk_data);
  if (!data && f.kind != number(kind::chunk_error))
    return break_link(l, {errc::protocol_error, l->key + " sent " + std::string(kind_name(f.kind)) + " unasked"});
  auto it = l->slots.find(f.correlation_id);
  if (it == l->slots.end()) return;  // its transfer ended meanwhile
  chunk_slot slot = std::move(it->second);
  l->slots.erase(it);
  const transfer_ptr t = slot.of;
  later.call([t] {});  // nothing of the transfer's is destroyed under mu_
  std::erase(t->tags, f.correlation_id);
  if (!data) {
    return fail(t, {errc::protocol_error, t->what() + ": the peer refused chunk " + std::to_string(slot.index) +
                                              ": " + std::string(f.body.text())},
                later);
  }
  if (!slot.landed)  // a zero-length body skips allocate(); no chunk of a leased object is empty
    return break_link(l, {errc::protocol_error, l->key + " sent chunk " + std::to_string(slot.index) + " of object " +
                                                    os::to_string(t->id) + " without its bytes"});
  arrived(t, std::move(slot), later);
}

void puller_core::on_closed(const std::weak_ptr<link>& weak, const net::error& why) {
  auto l = weak.lock();
  if (!l) return;
  deferred later;
  std::lock_guard lock(mu_);
  l->closed = true;
  if (auto it = links_.find(l->key); it != links_.end() && it->second == l) links_.erase(it);
  const error e = l->why ? *l->why
                         : error{errc::disconnected, "the connection to " + l->key + " closed: " + net::to_string(why)};
  auto users = std::move(l->users);
  l->users.clear();
  l->waiting.clear();
  for (const auto& t : users) {
    std::string progress;
    if (t->in) progress = " (" + std::to_string(t->in->arrived()) + " of " + std::to_string(t->in->plan().count()) +
                          " chunks had arrived)";
    fail(t, {e.code, t->what() + ": " + e.message + progress}, later);
  }
  later.call([users = std::move(users), slots = std::move(l->slots), conn = std::move(l->conn)] {});
  l->slots.clear();
}

void puller_core::break_link(const link_ptr& l, error why) {
  if (!l->why) l->why = std::move(why);
  net::log(options_.log, net::log_level::warning, "object puller: closing the connection: " + l->why->message);
  if (l->conn) l->conn->close(l->why->message);  // posts: on_closed fails its transfers later
}

void puller_core::close() {
  std::vector<transfer_ptr> all;  // before `later`: destroyed after it, outside mu_
  deferred later;
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  for (const auto& [key, l] : links_) {
    l->closed = true;
    l->waiting.clear();
    if (l->conn) later.call([c = l->conn] { c->close("the object puller is closed"); });
  }
  for (const auto& [id, t] : transfers_) all.push_back(t);
  for (const auto& t : all) fail(t, {errc::shut_down, t->what() + ": the puller was closed"}, later);
  later.call([links = std::move(links_)] {});
  links_.clear();
}

puller_stats puller_core::statistics() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace actors::transfer::detail
