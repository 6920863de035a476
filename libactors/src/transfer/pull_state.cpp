// The puller's transfer side: from the open request to the seal, or to the error, and telling
// the waiters. The connection side is puller_core.cpp.
#include "transfer/puller_core.hpp"

#include "transfer/wire.hpp"

#include <algorithm>

namespace actors::transfer::detail {

namespace os = actors::object_store;

namespace {

std::string size_text(std::uint64_t bytes) {
  if (bytes == 0 || bytes % (1u << 20) != 0) return std::to_string(bytes) + " bytes";
  return std::to_string(bytes >> 20) + " MiB";
}

}  // namespace

void puller_core::send_open(const transfer_ptr& t) {
  const open_request req{t->id, options_.chunk_size, options_.inline_max};
  t->via->conn->request(encode(req), options_.timeout, [core = weak_from_this(), t](net::result<net::frame> r) {
    if (auto c = core.lock()) c->on_open_reply(t, std::move(r));
  });
}

void puller_core::on_open_reply(const transfer_ptr& t, net::result<net::frame> r) {
  deferred later;
  std::unique_lock lock(mu_);
  if (t->ended) return;
  if (!r) {
    const auto code = r.error().code == net::errc::timed_out ? errc::timed_out : errc::disconnected;
    return fail(t, {code, t->what() + ": no answer to the open request: " + net::to_string(r.error())}, later);
  }
  const link_ptr l = t->via;
  later.call([l] {});
  if (r->kind != number(kind::open_reply))
    return break_link(l, {errc::protocol_error, l->key + " answered an open request with " +
                                                    std::string(kind_name(r->kind))});
  const auto reply = decode_open_reply(r->body.bytes());
  if (!reply)
    return break_link(l, {errc::protocol_error, l->key + " sent a malformed open reply (" +
                                                    std::to_string(r->body.size()) + " bytes)"});
  const std::string said(reinterpret_cast<const char*>(reply->tail.data()), reply->tail.size());
  switch (reply->status) {
    case open_status::not_found:
      return fail(t, {errc::not_found, "object " + os::to_string(t->id) + " is not on " + t->from + " (" + said + ")",
                      reply->store_code},
                  later);
    case open_status::failed:
      return fail(t, {errc::remote_store, t->what() + ": " + said, reply->store_code}, later);
    case open_status::leased:
      t->leased = true;  // from here on, the end closes the lease
      t->lease = reply->lease;
      break;
    case open_status::inline_data:
      break;
  }
  t->size = reply->size;
  const bool whole = reply->status == open_status::inline_data;
  const auto plan = os::chunk_plan::make(t->size, whole ? std::max<std::uint64_t>(t->size, 1) : options_.chunk_size);

  // create() may spill other objects to disk to make room: not under mu_. Counted as a claim,
  // so that an end meanwhile (the peer hung up, close()) waits for the object to be removed.
  ++t->claims;
  lock.unlock();
  auto in = os::chunk_assembler::start(store_, t->id, *plan);
  expected<bool, os::errc> sealed = false;
  if (in && whole) sealed = (*in)->write(0, reply->tail);
  lock.lock();
  --t->claims;

  if (t->ended) {
    if (in) {
      if ((*in)->complete()) store_.remove(t->id);  // a failed pull leaves nothing, even if whole
      in->reset();                                   // an unsealed one is removed by its assembler
    }
    if (t->claims == 0) finish(t, later);
    return;
  }
  if (!in)
    return fail(t, {errc::local_store, t->what() + ": the local store refused " + size_text(t->size) + ": " +
                                           std::string(os::to_string(in.error())),
                     in.error()},
                later);
  t->in = std::move(*in);
  if (whole) {
    if (!sealed)
      return fail(t, {errc::local_store,
                      t->what() + ": writing it failed: " + std::string(os::to_string(sealed.error())), sealed.error()},
                  later);
    stats_.bytes += t->size;
    return succeed(t, later);
  }
  start_chunks(t);
}

void puller_core::start_chunks(const transfer_ptr& t) {
  t->last_progress = std::chrono::steady_clock::now();
  t->timer = std::make_unique<boost::asio::steady_timer>(ctx_);
  t->timer->expires_after(options_.timeout);
  t->timer->async_wait([core = weak_from_this(), t](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the transfer ended
    if (auto c = core.lock()) c->on_timer(t);
  });
  pump(t);
}

void puller_core::pump(const transfer_ptr& t) {
  const auto& l = t->via;
  if (t->ended || !l->conn || l->closed) return;
  const auto count = t->in->plan().count();
  while (t->tags.size() < options_.window && t->next_index < count) {
    const std::uint64_t tag = next_tag_++;
    l->slots.emplace(tag, chunk_slot{t, t->next_index, nullptr});
    t->tags.push_back(tag);
    // A failed send means the connection closed: on_closed ends the transfer.
    l->conn->send(encode(chunk_request{t->lease, t->next_index}, tag));
    ++t->next_index;
  }
}

void puller_core::arrived(const transfer_ptr& t, chunk_slot slot, deferred& later) {
  slot.landed->arrived.store(true, std::memory_order_release);
  --t->claims;
  t->last_progress = std::chrono::steady_clock::now();
  ++stats_.chunks;
  stats_.bytes += t->in->plan().at(slot.index)->size;
  const auto sealed = t->in->finish(slot.index);
  later.call([slot = std::move(slot)] {});
  if (!sealed)
    return fail(t, {errc::local_store, t->what() + ": sealing it failed: " + std::string(os::to_string(sealed.error())),
                    sealed.error()},
                later);
  if (*sealed) return succeed(t, later);
  pump(t);
}

void puller_core::on_timer(const transfer_ptr& t) {
  deferred later;
  std::lock_guard lock(mu_);
  if (t->ended) return;
  const auto idle = std::chrono::steady_clock::now() - t->last_progress;
  if (idle < options_.timeout) {  // chunks came meanwhile: wait for the rest of the period
    t->timer->expires_after(options_.timeout - idle);
    t->timer->async_wait([core = weak_from_this(), t](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto c = core.lock()) c->on_timer(t);
    });
    return;
  }
  const link_ptr l = t->via;
  later.call([l] {});
  error e{errc::timed_out, t->what() + ": no chunk arrived for " + std::to_string(options_.timeout.count()) +
                               " ms (" + std::to_string(t->in->arrived()) + " of " +
                               std::to_string(t->in->plan().count()) + " chunks had)"};
  fail(t, e, later);
  // Its chunks may be landing in the arena from a peer that stopped sending: only closing the
  // connection ends that, and the others on it are stuck behind them anyway.
  break_link(l, {errc::timed_out, "closed the connection to " + l->key + " after a timeout: " + e.message});
}

void puller_core::claim_ended(const transfer_ptr& t) {
  deferred later;
  std::lock_guard lock(mu_);
  later.call([t] {});
  --t->claims;
  if (t->ended && t->claims == 0) finish(t, later);
}

void puller_core::fail(const transfer_ptr& t, error e, deferred& later) {
  if (t->ended) return;
  t->failure = std::move(e);
  ++stats_.failed;
  end(t, later);
  if (t->in) t->in->cancel();  // removes the unsealed object now, or when its last claim goes
  if (t->claims == 0) finish(t, later);
}

void puller_core::succeed(const transfer_ptr& t, deferred& later) {
  ++stats_.completed;
  end(t, later);
  finish(t, later);
}

void puller_core::end(const transfer_ptr& t, deferred& later) {
  t->ended = true;
  --stats_.active;
  later.call([t] {});
  if (t->timer) t->timer->cancel();
  const auto& l = t->via;
  if (!l) return;
  for (const auto tag : t->tags) {
    if (auto it = l->slots.find(tag); it != l->slots.end()) {
      later.call([slot = std::move(it->second)] {});
      l->slots.erase(it);
    }
  }
  t->tags.clear();
  std::erase(l->users, t);
  if (t->leased && l->conn && !l->closed) l->conn->send(close_lease(t->lease));
  if (t->opened) {
    --l->open;
    open_more(l);  // the next pull from this peer may go
  }
}

void puller_core::finish(const transfer_ptr& t, deferred& later) {
  if (auto it = transfers_.find(t->id); it != transfers_.end() && it->second == t) transfers_.erase(it);
  t->in.reset();  // no claim is left; an unsealed object was removed by cancel()
  later.call([t, via = std::move(t->via)] {});
  t->via = nullptr;
  result<pulled> outcome = pulled{.size = t->size};
  if (t->failure) outcome = actors::unexpected(*t->failure);
  for (auto& [done, joined] : t->waiters) {
    later.call([done = std::move(done), outcome, joined = joined, log = options_.log]() {
      auto mine = outcome;
      if (mine) mine->joined = joined;
      try {
        done(std::move(mine));
      } catch (...) {
        net::log(log, net::log_level::error, "object puller: a pull's callback threw; ignored");
      }
    });
  }
  t->waiters.clear();
}

}  // namespace actors::transfer::detail
