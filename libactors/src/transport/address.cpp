#include "transport/address.hpp"

#include <charconv>

namespace actors::net {
namespace {

constexpr std::string_view tcp_scheme = "tcp://";
constexpr std::string_view unix_scheme = "unix:";

actors::unexpected<error> bad(std::string_view text, std::string why) {
  return fail(errc::invalid_address, "'" + std::string(text) + "': " + why);
}

result<std::uint16_t> parse_port(std::string_view whole, std::string_view digits) {
  if (digits.empty()) return bad(whole, "missing port after ':'");
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size())
    return bad(whole, "port '" + std::string(digits) + "' is not a number");
  if (value > 65535) return bad(whole, "port " + std::string(digits) + " is out of range (0-65535)");
  return static_cast<std::uint16_t>(value);
}

result<address> parse_tcp(std::string_view whole, std::string_view rest) {
  address a;
  a.type = address::kind::tcp;
  std::string_view port_text;
  if (rest.starts_with('[')) {  // [v6]:port; the brackets keep the v6 colons apart from the port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad(whole, "'[' without a closing ']'");
    a.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.starts_with(':')) return bad(whole, "expected ':port' after ']'");
    port_text = after.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad(whole, "expected host:port");
    a.host = std::string(rest.substr(0, colon));
    if (a.host.find(':') != std::string::npos)
      return bad(whole, "an IPv6 address needs brackets: [addr]:port");
    port_text = rest.substr(colon + 1);
  }
  if (a.host.empty()) return bad(whole, "missing host before ':'");
  for (char c : a.host) {
    if (c == '/' || c == ' ' || c == '@' || static_cast<unsigned char>(c) < 0x21)
      return bad(whole, "host '" + a.host + "' contains a character hosts do not have");
  }
  auto port = parse_port(whole, port_text);
  if (!port) return actors::unexpected(port.error());
  a.port = *port;
  return a;
}

}  // namespace

std::string address::to_string() const {
  if (type == kind::unix_socket) return std::string(unix_scheme) + path;
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tcp_scheme) + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

result<address> parse_address(std::string_view text) {
  if (text.empty()) return fail(errc::invalid_address, "empty address");
  if (text.starts_with(unix_scheme)) {
    address a;
    a.type = address::kind::unix_socket;
    a.path = std::string(text.substr(unix_scheme.size()));
    if (a.path.empty()) return bad(text, "unix: needs a path, as in unix:/run/actors/node.sock");
    if (a.path.size() > max_unix_path)
      return bad(text, "the socket path is " + std::to_string(a.path.size()) +
                           " bytes, longer than the " + std::to_string(max_unix_path) +
                           " a Unix socket allows");
    if (a.path.find('\0') != std::string::npos) return bad(text, "the path contains a NUL byte");
    return a;
  }
  if (text.starts_with(tcp_scheme)) return parse_tcp(text, text.substr(tcp_scheme.size()));
  if (const auto scheme = text.find("://"); scheme != std::string_view::npos)
    return bad(text, "unknown scheme '" + std::string(text.substr(0, scheme)) +
                         "' (use tcp://host:port, host:port or unix:/path)");
  return parse_tcp(text, text);
}

}  // namespace actors::net
