#pragma once
/// address: where a listener listens or a connection goes. Three spellings:
///
///     parse_address("tcp://10.0.0.5:6379")   // TCP; a host name, IPv4, or [IPv6] in brackets
///     parse_address("head-node:6379")         // the same: no scheme means TCP
///     parse_address("unix:/run/actors/node.sock")  // a Unix domain socket, same host only
///
/// Port 0 asks a listener for any free port; listener::local_address() then has the real one.
/// A plain value type.

#include "transport/errc.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace actors::net {

struct address {
  enum class kind : std::uint8_t { tcp = 0, unix_socket = 1 };

  kind type = kind::tcp;
  std::string host;        // tcp: a name or a literal address, without brackets
  std::uint16_t port = 0;  // tcp
  std::string path;        // unix_socket: the socket file

  /// The canonical spelling, which parse_address reads back: "tcp://host:port",
  /// "tcp://[::1]:port" or "unix:/path".
  std::string to_string() const;

  friend bool operator==(const address&, const address&) = default;
};

/// Longest Unix socket path the kernel accepts (sun_path less its terminating zero).
inline constexpr std::size_t max_unix_path = 107;

/// Parses one of the spellings above; errc::invalid_address with a sentence that says what is
/// wrong ("port 70000 is out of range", "unix: needs a path") otherwise.
result<address> parse_address(std::string_view text);

}  // namespace actors::net
