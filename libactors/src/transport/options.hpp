#pragma once
/// options and handlers: what a listener or a connect call is configured with.
///
///     handlers h;
///     h.on_frame = [](const connection_ptr& c, frame&& f) { c->reply(f, make_message(f.kind, "pong")); };
///     options o;
///     o.max_frame_size = 64 << 20;
///
/// Plain value types; the callbacks they carry run on io threads (see connection.hpp).

#include "transport/errc.hpp"
#include "transport/frame.hpp"
#include "transport/log.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace actors::net {

class connection;
using connection_ptr = std::shared_ptr<connection>;

struct options {
  /// The largest body this side accepts, checked before a byte of it is allocated; a longer
  /// frame closes the connection. Also the largest this side sends.
  std::uint32_t max_frame_size = default_max_frame_size;
  /// How long a peer has to complete the handshake; a silent or slow one is disconnected.
  std::chrono::milliseconds auth_timeout{5000};
  /// How long connect() may take to resolve and reach the listener (authentication then has
  /// auth_timeout of its own).
  std::chrono::milliseconds connect_timeout{5000};
  /// Refusals, protocol violations, dropped late replies; empty: standard error.
  log_fn log;
  /// Where the body of an incoming frame is read to, chosen from its header after the length
  /// check. Empty: a fresh heap buffer per frame. A receiver of large objects hands out memory
  /// that is already faulted in (a pool, the object store's arena): fresh pages cost ~25 µs
  /// each on these VMs, which caps a fresh buffer per frame at ~0.2 GB/s (docs/transport.md).
  /// The whole header is given, not only kind and length: an object puller finds the chunk a
  /// frame carries by its correlation id, and lands it in that chunk's place in the arena.
  /// Must return exactly `header.length` bytes, or an empty buffer to refuse the frame (the
  /// connection is then closed as a protocol violation); must not throw; runs on the
  /// connection's strand, only for bodies of at least one byte.
  std::function<body_buffer(const frame_header& header)> allocate_body;
};

/// Callbacks for the connections of one listener or one connect call. Each may be empty. For
/// one connection they run one at a time, in this order: on_open, on_frame for each frame in
/// the order sent, on_closed once. They must not block: the io thread that runs them serves
/// other connections too. An exception escaping one is logged and closes that connection.
struct handlers {
  /// The peer has proved the token; nothing has been read from it yet.
  std::function<void(const connection_ptr&)> on_open;
  /// A frame that is not a reply to one of this side's request() calls (those go to the
  /// request's callback). The body may be moved out.
  std::function<void(const connection_ptr&, frame&&)> on_frame;
  /// The connection is closed, by either side or by an error; `why` says which.
  std::function<void(const connection_ptr&, const error& why)> on_closed;
};

}  // namespace actors::net
