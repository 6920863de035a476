#pragma once
/// reach: how a process is dialled when it listens both on a Unix socket (for its own host) and
/// on TCP (for every other host). Its address is then written with both ways in one string,
/// which travels unchanged through lease replies, locate answers and the head's directory; the
/// process that dials picks the nearest way:
///
///     auto where = both_ways("unix:/tmp/actors/s/sockets/worker_1a2b.sock", "tcp://10.0.0.7:40111");
///     // "unix:/tmp/actors/s/sockets/worker_1a2b.sock|tcp://10.0.0.7:40111"
///     auto dial = nearest_way(where);   // the unix: one on 10.0.0.7's host, the tcp:// one elsewhere
///
/// A single address (no '|') is its own nearest way. Pure functions; thread-safe.
#include <string>
#include <string_view>

namespace actors::cluster {

/// One address naming both ways; either may be empty (then the other alone).
std::string both_ways(const std::string& unix_address, const std::string& tcp_address);

/// The way to dial from this process: the Unix socket when its file exists here and the TCP
/// side's host is an address of this host's own interfaces (so a socket file seen through a
/// shared filesystem, or from another network namespace, is not mistaken for a local one);
/// otherwise the TCP side.
std::string nearest_way(std::string_view alternatives);

/// "tcp://<host>:0" (an IPv6 host in brackets): where a listener at `host` takes any free port.
std::string tcp_any_port(const std::string& host);

/// True when `host` (a literal IPv4/IPv6 address) is configured on an interface of this
/// process's network namespace, loopback included.
bool is_local_host(const std::string& host);

}  // namespace actors::cluster
