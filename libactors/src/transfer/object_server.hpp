#pragma once
/// object_server: hands this node's sealed objects to authenticated peers, in chunks
/// (docs/object_transfer.md). It serves frames of kinds 300-309 on whatever connections it is
/// given: its handlers() for a listener of its own, or serve()/forget() from a node's listener
/// that carries other protocols too.
///
///     auto server = object_server::make(store);
///     auto l = net::listener::open(io.context(), where, token, server->handlers());
///     ...                              // peers pull; server->statistics() counts what they got
///
/// An object is pinned (store::get) from a peer's open until its close, or until that peer's
/// connection goes, and beyond that until the chunks queued for it are on the wire: eviction
/// and spilling cannot take it away mid-transfer, and a remove() takes effect afterwards. A
/// spilled object is read back by the store (get() restores it) on the server's own thread,
/// not on an io thread.
///
/// Thread-safe: every member may be called from any thread. The store must outlive the server
/// and every connection it served (the io_context's, at the latest until io_pool::stop()).

#include "transport/connection.hpp"
#include "transport/options.hpp"

#include <actors/object_store/chunks.hpp>
#include <actors/object_store/store.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace actors::transfer {

struct server_options {
  /// The largest chunk a puller may ask for: what one frame of ours may carry.
  std::uint64_t max_chunk_size = 64ull << 20;
  /// The most a puller may ask to get inline in the open reply (it asks for less by default).
  std::uint64_t max_inline = 1ull << 20;
  /// Objects one connection may hold open at once: a peer cannot pin the whole store.
  std::size_t max_leases_per_connection = 256;
  /// Bytes queued for one connection beyond which its chunk requests are refused: a peer that
  /// asks and does not read cannot grow the queue without bound (the transport has no flow
  /// control of its own). A puller with default options keeps at most 32 objects x 4 chunks
  /// x 8 MiB = 1 GiB asked for.
  std::uint64_t max_queued_bytes = 2ull << 30;
  /// Refused frames; empty: standard error.
  net::log_fn log;
};

struct server_stats {
  std::uint64_t opens = 0;      // open requests read
  std::uint64_t not_found = 0;  // of which the object was not here (or not sealed)
  std::uint64_t failed = 0;     // of which the store failed (a spill file unreadable, ...)
  std::uint64_t inlined = 0;    // served whole in the open reply
  std::uint64_t leased = 0;     // served in chunks
  std::uint64_t restored = 0;   // were spilled when asked for: read back first
  std::uint64_t chunks = 0;     // chunk_data frames queued
  std::uint64_t bytes = 0;      // object bytes queued (inline and in chunks)
  std::uint64_t open_leases = 0;  // now
};

class object_server : public std::enable_shared_from_this<object_server> {
  struct private_tag {};

 public:
  static std::shared_ptr<object_server> make(object_store::store& s, server_options o = {});
  /// close().
  ~object_server();
  object_server(private_tag, object_store::store& s, server_options o);
  object_server(const object_server&) = delete;
  object_server& operator=(const object_server&) = delete;

  /// on_frame and on_closed for a listener that serves only this protocol: a frame of another
  /// kind closes its connection. Hold the server only weakly, so connections do not keep it.
  net::handlers handlers();
  /// Serves one frame if it is of this protocol (kinds 300-309) and says whether it was. For
  /// on_frame of a shared listener. A malformed frame closes the connection.
  bool serve(const net::connection_ptr& c, net::frame& f);
  /// Drops the connection's leases: for on_closed.
  void forget(const net::connection_ptr& c);
  /// Stops the restore thread and drops every lease; pins held by chunks still queued on a
  /// connection go once those are written or dropped. Later frames get a "shut down" answer.
  /// Idempotent; must not be called from an io thread serving it while a restore runs.
  void close();

  server_stats statistics() const;

 private:
  struct pin;
  struct lease_entry {
    std::shared_ptr<const pin> object;
    object_store::chunk_plan plan;
  };
  struct peer_state {
    std::unordered_map<std::uint64_t, lease_entry> leases;  // guarded by mu_
    bool gone = false;                                      // forgotten: take no new lease
  };
  using peer_ptr = std::shared_ptr<peer_state>;

  void open(const net::connection_ptr& c, const peer_ptr& peer, const net::frame& f);
  // Pins and answers; on the io thread, or on the restore thread for a spilled object.
  void open_now(const net::connection_ptr& c, const peer_ptr& peer, std::uint64_t correlation,
                object_store::object_id id, std::uint64_t chunk_size, std::uint64_t inline_max, bool spilled);
  void send_chunk(const net::connection_ptr& c, const peer_ptr& peer, const net::frame& f);
  void close_lease(const peer_ptr& peer, const net::frame& f);
  void refuse(const net::connection_ptr& c, const std::string& why);
  void run_restores();

  object_store::store& store_;
  const server_options options_;

  mutable std::mutex mu_;
  std::unordered_map<const net::connection*, peer_ptr> peers_;  // guarded by mu_, as below
  std::uint64_t next_lease_ = 1;
  server_stats stats_;
  bool closed_ = false;

  // The restore thread: started by the first spilled object asked for.
  std::condition_variable restore_wake_;  // with mu_
  std::deque<std::function<void()>> restores_;
  std::thread restorer_;
};

}  // namespace actors::transfer
