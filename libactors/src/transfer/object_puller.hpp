#pragma once
/// object_puller: pulls objects from other nodes' object_servers into this node's store
/// (docs/object_transfer.md). It creates the object at its full size, asks for its chunks with
/// several in flight, lets each chunk's bytes land straight in the arena (the transport reads
/// the socket into the chunk's place: no copy in between), and seals the object when the last
/// one is in. Pulls of one object that overlap share one transfer, whatever peer they name.
///
///     auto puller = object_puller::make(io.context(), store, token);
///     auto r = puller->pull(id, *net::parse_address("tcp://10.0.0.7:7001")).get();
///     if (!r) std::cerr << to_string(r.error()) << '\n';   // else store.get(id) has it
///
/// A failed pull leaves nothing behind: the unsealed object is removed (once no chunk is being
/// written into it) before anyone is told, and its lease on the server is closed. Every wait is
/// bounded: connecting and authenticating by their own timeouts, the open request and the gap
/// between two chunks by puller_options::timeout.
///
/// Thread-safe: every member may be called from any thread. One connection per peer address,
/// kept open for later pulls until the peer closes it or the puller is closed. The store must
/// outlive the puller and the io_context's connections: destroy the puller, stop the io_pool,
/// then let the store go.

#include "transfer/errc.hpp"
#include "transport/address.hpp"
#include "transport/log.hpp"
#include "transport/token.hpp"

#include <actors/object_store/chunks.hpp>
#include <actors/object_store/object_id.hpp>
#include <actors/object_store/store.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>

namespace actors::transfer {

struct puller_options {
  /// Bytes per chunk request. Large enough that a request's cost vanishes beside its bytes.
  std::uint64_t chunk_size = object_store::chunk_plan::default_chunk_size;
  /// Chunks of one object asked for and not yet arrived: keeps the connection busy while a
  /// request travels (a round trip here is ~100 µs, an 8 MiB chunk ~3 ms of loopback TCP).
  std::uint32_t window = 4;
  /// Objects up to this size come whole in the answer to the open request: one round trip.
  std::uint64_t inline_max = 64ull << 10;
  /// Objects open on one peer at once (asked for and not yet ended); more pulls from it wait
  /// their turn. Keeps what one node pins on another bounded, and below the server's own limit
  /// (server_options::max_leases_per_connection).
  std::uint32_t max_open_per_peer = 32;
  /// The longest wait for the answer to an open request, and between two chunks of an object.
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds auth_timeout{5000};
  /// Where protocol violations are reported; empty: standard error.
  net::log_fn log;
};

/// What a successful pull did.
struct pulled {
  std::uint64_t size = 0;
  bool already_local = false;  // the store had it already: nothing moved
  bool joined = false;         // another pull of the same object was under way; this one waited for it
};

struct puller_stats {
  std::uint64_t transfers = 0;      // started (one per object, however many pulls asked)
  std::uint64_t joined = 0;         // pulls that waited for a transfer another pull started
  std::uint64_t already_local = 0;  // pulls answered from the store at once
  std::uint64_t completed = 0;      // transfers that sealed their object
  std::uint64_t failed = 0;         // transfers that ended in an error
  std::uint64_t chunks = 0;         // chunks landed
  std::uint64_t bytes = 0;          // object bytes landed, chunks and inline
  std::uint64_t active = 0;         // transfers under way now
};

namespace detail {
class puller_core;
}

class object_puller {
 public:
  /// Runs once with the outcome, on an io thread; on the calling thread, before pull()
  /// returns, when the answer needs no I/O (already local, nil id, puller closed). Must not
  /// block or throw.
  using done_fn = std::function<void(result<pulled>)>;

  /// Errors: invalid_argument (chunk_size 0 or above 1 GiB, window 0 or above 1024, inline_max
  /// above 64 MiB, max_open_per_peer 0, a zero timeout).
  static result<std::unique_ptr<object_puller>> make(boost::asio::io_context& ctx, object_store::store& s,
                                                     const net::cluster_token& token, puller_options o = {});
  /// close().
  ~object_puller();
  object_puller(const object_puller&) = delete;
  object_puller& operator=(const object_puller&) = delete;

  /// Pulls `id` from the object server at `from` into the store, unless the store has it or a
  /// pull of it is under way already (then this one waits for that one, whatever its peer).
  void pull(object_store::object_id id, const net::address& from, done_fn done);
  /// The same as a future. Do not wait on it from an io thread of the puller's io_context.
  std::future<result<pulled>> pull(object_store::object_id id, const net::address& from);

  /// Fails every pull under way with shut_down and closes the connections; later pulls fail at
  /// once. Idempotent. Pulls end (and their waiters hear) once no chunk is landing any more.
  void close();

  puller_stats statistics() const;

 private:
  explicit object_puller(std::shared_ptr<detail::puller_core> core);
  std::shared_ptr<detail::puller_core> core_;
};

}  // namespace actors::transfer
