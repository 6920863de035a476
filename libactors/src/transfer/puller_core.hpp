#pragma once
// The state behind object_puller: transfers by object id, links (one connection per peer) and
// the chunks in flight on each link by tag. Private to the transfer library.
//
// One mutex (mu_) guards all of it. Nothing that can call back into the core runs under it:
// waiters' callbacks, net::connect, and the destruction of connections, frames and landings
// (a landing's destructor takes mu_) are handed to a `deferred` and run after the lock goes.
// The transport's calls made under mu_ (send, request, close) never call back inline.
//
// A chunk in flight goes: requested (a slot under its tag) -> claimed (allocate_body found the
// slot, claimed the chunk's room in the arena and gave the transport a body_buffer that owns a
// `landing`) -> arrived (on_frame finished it) or abandoned (the landing went unfinished: the
// connection died mid-body). A transfer that ends while chunks are claimed has its outcome
// held back until the last landing goes, so that its unsealed object is removed before
// anybody hears of the failure.

#include "transfer/errc.hpp"
#include "transfer/object_puller.hpp"
#include "transport/connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace actors::transfer::detail {

/// Calls to make once the lock is released; objects put in the closures are destroyed then
/// too. Declare it before the lock guard, so that it runs after the guard's destructor.
class deferred {
 public:
  deferred() = default;
  deferred(const deferred&) = delete;
  deferred& operator=(const deferred&) = delete;
  ~deferred();
  void call(std::function<void()> f) { calls_.push_back(std::move(f)); }

 private:
  std::vector<std::function<void()>> calls_;
};

struct link;
class puller_core;

struct transfer {
  transfer(object_store::object_id i, std::string peer) : id(i), from(std::move(peer)) {}

  const object_store::object_id id;
  const std::string from;  // the peer's address, for messages
  std::shared_ptr<link> via;
  std::vector<std::pair<object_puller::done_fn, bool /*joined*/>> waiters;

  std::unique_ptr<object_store::chunk_assembler> in;  // from the open reply until the end
  std::uint64_t size = 0;
  std::uint64_t lease = 0;
  bool opened = false;              // the open request went out: counts in via->open until the end
  bool leased = false;              // the server holds it open for us: close the lease at the end
  std::uint64_t next_index = 0;     // the next chunk to ask for
  std::vector<std::uint64_t> tags;  // chunk requests not yet answered (at most `window`)
  std::uint32_t claims = 0;         // chunks being written into the arena now

  bool ended = false;  // succeeded or failed; the waiters hear once claims is 0
  std::optional<error> failure;

  std::unique_ptr<boost::asio::steady_timer> timer;  // from the first chunk request on
  std::chrono::steady_clock::time_point last_progress;

  /// "pulling object 00..2a from tcp://127.0.0.1:4242"
  std::string what() const;
};
using transfer_ptr = std::shared_ptr<transfer>;

/// A chunk's bytes being received into the arena, owned by the transport's body_buffer. Its
/// destructor gives the chunk back if it did not arrive, and tells the core.
struct landing {
  landing(std::shared_ptr<puller_core> c, transfer_ptr t, std::uint64_t i)
      : core(std::move(c)), of(std::move(t)), index(i) {}
  ~landing();
  std::shared_ptr<puller_core> core;
  transfer_ptr of;
  std::uint64_t index;
  std::atomic<bool> arrived{false};
};

struct chunk_slot {
  transfer_ptr of;
  std::uint64_t index = 0;
  std::shared_ptr<landing> landed;  // once claimed
};

struct link {
  explicit link(net::address a) : to(std::move(a)), key(to.to_string()) {}
  const net::address to;
  const std::string key;
  net::connection_ptr conn;   // once connected
  bool closed = false;        // connect failed, or the connection closed: never used again
  std::optional<error> why;   // what this side found wrong with the peer, to report at close
  std::vector<transfer_ptr> users;                      // every transfer not ended that goes through it
  std::deque<transfer_ptr> waiting;                     // of those, the ones not opened yet, in order
  std::uint32_t open = 0;                               // opened and not ended
  std::unordered_map<std::uint64_t, chunk_slot> slots;  // chunk requests in flight, by tag
};
using link_ptr = std::shared_ptr<link>;

class puller_core : public std::enable_shared_from_this<puller_core> {
 public:
  puller_core(boost::asio::io_context& ctx, object_store::store& s, const net::cluster_token& token,
              puller_options o)
      : ctx_(ctx), store_(s), token_(token), options_(std::move(o)) {}

  void pull(object_store::object_id id, const net::address& from, object_puller::done_fn done);
  void close();
  puller_stats statistics() const;

  // From the transport, on the link's strand (or its io thread).
  net::body_buffer allocate(const std::weak_ptr<link>& weak, const net::frame_header& h);
  void on_frame(const std::weak_ptr<link>& weak, net::frame&& f);
  void on_closed(const std::weak_ptr<link>& weak, const net::error& why);
  void on_connected(const link_ptr& l, net::result<net::connection_ptr> c);
  void on_open_reply(const transfer_ptr& t, net::result<net::frame> r);
  void on_timer(const transfer_ptr& t);
  // From a landing's destructor: one claim less.
  void claim_ended(const transfer_ptr& t);

 private:
  // All with mu_ held.
  void connect(const link_ptr& l, deferred& later);
  void open_more(const link_ptr& l);  // opens waiting transfers up to max_open_per_peer
  void send_open(const transfer_ptr& t);
  void start_chunks(const transfer_ptr& t);
  void pump(const transfer_ptr& t);
  void arrived(const transfer_ptr& t, chunk_slot slot, deferred& later);
  void fail(const transfer_ptr& t, error e, deferred& later);
  void succeed(const transfer_ptr& t, deferred& later);
  void end(const transfer_ptr& t, deferred& later);   // stops asking: timer, slots, lease, link
  void finish(const transfer_ptr& t, deferred& later);  // tells the waiters, forgets it
  void break_link(const link_ptr& l, error why);

  boost::asio::io_context& ctx_;
  object_store::store& store_;
  const net::cluster_token token_;
  const puller_options options_;

  mutable std::mutex mu_;
  std::unordered_map<object_store::object_id, transfer_ptr> transfers_;  // guarded by mu_, as below
  std::unordered_map<std::string, link_ptr> links_;                      // by address
  std::uint64_t next_tag_ = 1;
  puller_stats stats_;
  bool closed_ = false;
};

}  // namespace actors::transfer::detail
