#pragma once
// An echo server on its own io_pool, and a client connect with a deadline: the pieces most of
// the network tests start from.

#include "transport/address.hpp"
#include "transport/connect.hpp"
#include "transport/connection.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"

#include "support.hpp"

#include <doctest/doctest.h>

#include <future>

namespace transport_test {

inline net::address listen_address(bool unix_socket) {
  return unix_socket ? *net::parse_address("unix:" + unique_socket_path())
                     : *net::parse_address("tcp://127.0.0.1:0");
}

/// Moves a received body into an outgoing payload without copying it.
inline net::payload body_payload(net::frame& f) {
  auto body = std::make_shared<net::body_buffer>(std::move(f.body));
  return net::payload::view(body->bytes(), body);
}

/// Answers every request with its own body; counts what it sees. `on_frame_hook`, when set,
/// runs first and may swallow the frame (return true).
struct echo_server {
  captured_log log;
  net::io_pool io{1};
  std::shared_ptr<net::listener> listener;
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
  std::atomic<int> frames{0};
  std::function<bool(const net::connection_ptr&, net::frame&)> on_frame_hook;

  explicit echo_server(bool unix_socket, net::options o = {}, const net::cluster_token& token = token_a()) {
    o.log = log.fn();
    net::handlers h;
    h.on_open = [this](const net::connection_ptr&) { ++opened; };
    h.on_frame = [this](const net::connection_ptr& c, net::frame&& f) {
      ++frames;
      if (on_frame_hook && on_frame_hook(c, f)) return;
      if (f.correlation_id == 0) return;
      net::message m;
      m.kind = f.kind;
      m.append(body_payload(f));
      c->reply(f, std::move(m));
    };
    h.on_closed = [this](const net::connection_ptr&, const net::error&) { ++closed; };
    auto l = net::listener::open(io.context(), listen_address(unix_socket), token, std::move(h), o);
    REQUIRE_MESSAGE(l, (l ? "" : to_string(l.error())));
    listener = *l;
  }
  ~echo_server() { io.stop(); }

  const net::address& where() const { return listener->local_address(); }
};

/// connect().get() with a deadline, so a bug shows as a failed check rather than a hung test.
inline net::result<net::connection_ptr> connect_within(net::io_pool& io, const net::address& to,
                                                       const net::cluster_token& token, net::handlers h = {},
                                                       net::options o = {}, std::chrono::milliseconds limit = 10s) {
  auto f = net::connect(io.context(), to, token, std::move(h), std::move(o));
  if (f.wait_for(limit) != std::future_status::ready)
    return net::fail(net::errc::timed_out, "test: connect did not complete within the test's deadline");
  return f.get();
}

/// future.get() with a deadline.
template <class T>
std::optional<T> get_within(std::future<T>& f, std::chrono::milliseconds limit = 10s) {
  if (f.wait_for(limit) != std::future_status::ready) return std::nullopt;
  return f.get();
}

}  // namespace transport_test
