#include "transfer/object_server.hpp"

#include "transfer/wire.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace actors::transfer {

namespace os = actors::object_store;

/// One pin on an object (a store::get), released when the last holder goes: the lease table,
/// and every chunk of it still queued on a connection (a payload view owns one).
struct object_server::pin {
  os::store& store;
  os::object_id id;
  std::span<const std::byte> bytes;
  pin(os::store& s, os::object_id i, std::span<const std::byte> b) : store(s), id(i), bytes(b) {}
  ~pin() { store.release(id); }
  pin(const pin&) = delete;
  pin& operator=(const pin&) = delete;
};

namespace {

net::message with_text(net::message m, std::string text) {
  m.append(net::payload::take(std::move(text)));
  return m;
}

void answer(const net::connection_ptr& c, std::uint64_t correlation, net::message m) {
  net::frame request;
  request.correlation_id = correlation;
  c->reply(request, std::move(m));  // fails only when the connection closed: nobody to tell
}

}  // namespace

std::shared_ptr<object_server> object_server::make(os::store& s, server_options o) {
  return std::make_shared<object_server>(private_tag{}, s, std::move(o));
}

object_server::object_server(private_tag, os::store& s, server_options o) : store_(s), options_(std::move(o)) {}

object_server::~object_server() { close(); }

net::handlers object_server::handlers() {
  net::handlers h;
  h.on_frame = [weak = weak_from_this()](const net::connection_ptr& c, net::frame&& f) {
    auto self = weak.lock();
    if (!self) return c->close("the object server is gone");
    if (!self->serve(c, f))
      self->refuse(c, "sent a frame of kind " + std::to_string(f.kind) +
                          ", which is not of the object transfer protocol");
  };
  h.on_closed = [weak = weak_from_this()](const net::connection_ptr& c, const net::error&) {
    if (auto self = weak.lock()) self->forget(c);
  };
  return h;
}

bool object_server::serve(const net::connection_ptr& c, net::frame& f) {
  if (!is_transfer_kind(f.kind)) return false;
  peer_ptr peer;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      peer = std::make_shared<peer_state>();  // answered, never stored: nothing will be leased
      peer->gone = true;
    } else {
      auto& slot = peers_[c.get()];
      if (!slot) slot = std::make_shared<peer_state>();
      peer = slot;
    }
  }
  switch (static_cast<kind>(f.kind)) {
    case kind::open: open(c, peer, f); break;
    case kind::chunk_request: send_chunk(c, peer, f); break;
    case kind::close: close_lease(peer, f); break;
    default: refuse(c, "sent " + std::string(kind_name(f.kind)) + ", which only a server sends"); break;
  }
  return true;
}

void object_server::open(const net::connection_ptr& c, const peer_ptr& peer, const net::frame& f) {
  const auto req = decode_open_request(f.body.bytes());
  if (!req) return refuse(c, "sent an open request of " + std::to_string(f.body.size()) + " bytes (it is 32)");
  {
    std::lock_guard lock(mu_);
    ++stats_.opens;
  }
  if (req->chunk_size == 0 || req->chunk_size > options_.max_chunk_size) {
    {
      std::lock_guard lock(mu_);
      ++stats_.failed;
    }
    return answer(c, f.correlation_id,
                  with_text(open_reply_head(open_status::failed, os::errc::invalid_argument, 0, 0),
                            "chunk size " + std::to_string(req->chunk_size) + " is outside 1.." +
                                std::to_string(options_.max_chunk_size)));
  }
  const auto inline_max = std::min(req->inline_max, options_.max_inline);
  // A spilled object is read back from disk by get(): that may take a while, and an io thread
  // serves other connections, so it is done on the restore thread. (An object spilled between
  // this check and get() is restored here; rare, and correct, only slower for others.)
  if (store_.spilled(req->id)) {
    std::lock_guard lock(mu_);
    if (!closed_) {
      // `this`, not a shared_ptr: close() joins the thread, so the server outlives the job.
      restores_.push_back([this, c, peer, correlation = f.correlation_id, r = *req, inline_max] {
        open_now(c, peer, correlation, r.id, r.chunk_size, inline_max, true);
      });
      if (!restorer_.joinable()) restorer_ = std::thread([this] { run_restores(); });
      restore_wake_.notify_one();
      return;
    }
  }
  open_now(c, peer, f.correlation_id, req->id, req->chunk_size, inline_max, false);
}

void object_server::open_now(const net::connection_ptr& c, const peer_ptr& peer, std::uint64_t correlation,
                             os::object_id id, std::uint64_t chunk_size, std::uint64_t inline_max, bool spilled) {
  auto got = store_.get(id);
  if (!got) {
    const auto code = got.error();
    const bool absent = code == os::errc::not_found || code == os::errc::not_sealed;
    {
      std::lock_guard lock(mu_);
      ++(absent ? stats_.not_found : stats_.failed);
    }
    if (absent)
      return answer(c, correlation,
                    with_text(open_reply_head(open_status::not_found, code, 0, 0),
                              code == os::errc::not_found ? "not here" : "here, but not sealed yet"));
    return answer(c, correlation,
                  with_text(open_reply_head(open_status::failed, code, 0, 0),
                            "the store could not hand it out: " + std::string(os::to_string(code))));
  }
  auto held = std::make_shared<const pin>(store_, id, *got);
  const std::uint64_t size = got->size();
  if (size <= inline_max) {
    {
      std::lock_guard lock(mu_);
      ++stats_.inlined;
      stats_.restored += spilled;
      stats_.bytes += size;
    }
    auto m = open_reply_head(open_status::inline_data, os::errc::ok, size, 0);
    if (size > 0) m.append(net::payload::view(held->bytes, held));  // the pin lasts until written
    return answer(c, correlation, std::move(m));
  }
  const auto plan = os::chunk_plan::make(size, chunk_size);  // chunk_size > 0: checked by open()
  std::uint64_t lease = 0;
  {
    std::unique_lock lock(mu_);
    if (closed_ || peer->gone) {
      lock.unlock();
      return answer(c, correlation,
                    with_text(open_reply_head(open_status::failed, os::errc::ok, 0, 0),
                              "the object server is shut down"));
    }
    if (peer->leases.size() >= options_.max_leases_per_connection) {
      ++stats_.failed;
      lock.unlock();
      return answer(c, correlation,
                    with_text(open_reply_head(open_status::failed, os::errc::ok, 0, 0),
                              "this connection already holds " + std::to_string(options_.max_leases_per_connection) +
                                  " objects open; close some first"));
    }
    lease = next_lease_++;
    peer->leases.emplace(lease, lease_entry{std::move(held), *plan});
    ++stats_.leased;
    stats_.restored += spilled;
  }
  // After the lease exists: the puller asks for chunks as soon as it reads this.
  answer(c, correlation, open_reply_head(open_status::leased, os::errc::ok, size, lease));
}

void object_server::send_chunk(const net::connection_ptr& c, const peer_ptr& peer, const net::frame& f) {
  const auto req = decode_chunk_request(f.body.bytes());
  if (!req) return refuse(c, "sent a chunk request of " + std::to_string(f.body.size()) + " bytes (it is 16)");
  net::message m{.kind = number(kind::chunk_data), .correlation_id = f.correlation_id};
  std::string refusal;
  {
    std::lock_guard lock(mu_);
    auto it = peer->leases.find(req->lease);
    if (it == peer->leases.end()) {
      refusal = "no object is open under lease " + std::to_string(req->lease) + " on this connection";
    } else if (c->queued_bytes() > options_.max_queued_bytes) {
      refusal = std::to_string(c->queued_bytes()) + " bytes are queued for this connection already: read them first";
    } else if (auto slice = it->second.plan.slice(it->second.object->bytes, req->index); !slice) {
      refusal = "chunk " + std::to_string(req->index) + " is past the object's " +
                std::to_string(it->second.plan.count()) + " chunks";
    } else {
      // Zero-copy from the arena; the view owns a pin, so the bytes stay until written.
      m.append(net::payload::view(*slice, it->second.object));
      ++stats_.chunks;
      stats_.bytes += slice->size();
    }
  }
  if (!refusal.empty()) {
    c->send(chunk_error(f.correlation_id, refusal));
    return;
  }
  c->send(std::move(m));
}

void object_server::close_lease(const peer_ptr& peer, const net::frame& f) {
  const auto lease = decode_close(f.body.bytes());
  if (!lease) return;  // nothing to undo; the pins go with the connection at the latest
  std::optional<lease_entry> gone;  // released after the lock: store::release takes the store's
  std::lock_guard lock(mu_);
  if (auto it = peer->leases.find(*lease); it != peer->leases.end()) {
    gone.emplace(std::move(it->second));
    peer->leases.erase(it);
  }
}

void object_server::forget(const net::connection_ptr& c) {
  peer_ptr gone;
  {
    std::lock_guard lock(mu_);
    auto it = peers_.find(c.get());
    if (it == peers_.end()) return;
    gone = std::move(it->second);
    peers_.erase(it);
    gone->gone = true;
  }
  // The leases' pins are released here, outside mu_, unless chunks still queued hold them. A
  // restore in progress for this peer sees `gone` and keeps nothing.
  std::unordered_map<std::uint64_t, lease_entry> leases;
  {
    std::lock_guard lock(mu_);
    leases.swap(gone->leases);
  }
}

void object_server::refuse(const net::connection_ptr& c, const std::string& why) {
  net::log(options_.log, net::log_level::warning, "object server: closing " + c->peer() + ": it " + why);
  c->close("object transfer protocol violated: " + why);
}

void object_server::close() {
  std::vector<std::unordered_map<std::uint64_t, lease_entry>> dropped;
  std::thread restorer;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    for (auto& [conn, peer] : peers_) {
      peer->gone = true;
      dropped.push_back(std::move(peer->leases));
      peer->leases.clear();
    }
    peers_.clear();
    restorer = std::move(restorer_);
    restore_wake_.notify_all();
  }
  // Restores already queued still run, and answer "shut down" or with the object inline.
  if (restorer.joinable()) restorer.join();
}

void object_server::run_restores() {
  std::unique_lock lock(mu_);
  for (;;) {
    restore_wake_.wait(lock, [&] { return closed_ || !restores_.empty(); });
    if (restores_.empty()) return;  // closed, and nothing left to answer
    auto job = std::move(restores_.front());
    restores_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // its connection pointer goes outside the lock
    lock.lock();
  }
}

server_stats object_server::statistics() const {
  std::lock_guard lock(mu_);
  server_stats s = stats_;
  s.open_leases = 0;
  for (const auto& [conn, peer] : peers_) s.open_leases += peer->leases.size();
  return s;
}

}  // namespace actors::transfer
