#pragma once
// The one socket type behind every connection, TCP or Unix: Asio's generic stream socket.
// A tcp::socket and a local::stream_protocol::socket both move into it, so the framing, the
// handshake and the connection are written once, without a virtual call per read or write.
// Private to the transport.

#include <boost/asio/generic/stream_protocol.hpp>

#include <string>

namespace actors::net::detail {

using stream_socket = boost::asio::generic::stream_protocol::socket;

/// Who is at the other end, for logs and errors: "tcp://127.0.0.1:51234" for TCP,
/// "unix:/run/x.sock (pid 4242, uid 1000)" for a Unix socket (from SO_PEERCRED, since a
/// Unix client has no address of its own). `local_path` names the socket file, which only the
/// listening side knows for an accepted socket.
std::string describe_peer(stream_socket& socket, const std::string& local_path);

/// Small-frame latency matters more than packet count: TCP_NODELAY on TCP sockets; nothing
/// on Unix sockets.
void tune(stream_socket& socket);

}  // namespace actors::net::detail
