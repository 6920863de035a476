#pragma once
/// errc and error: why a transport operation failed, as values (STYLE.md "Errors").
///
///     auto a = actors::net::parse_address("tcp://host:70000");
///     if (!a) std::cerr << to_string(a.error()) << '\n';  // "invalid_address: port 70000 ..."
///
/// The numbers are pinned: codes may travel between processes and into logs that outlive a
/// build. Add new codes at the end, never renumber. Plain value types.

#include <actors/expected.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace actors::net {

enum class errc : std::uint8_t {
  ok = 0,
  invalid_address = 1,    // an address string that does not parse, or a Unix path too long
  resolve_failed = 2,     // a host name that does not resolve
  connect_failed = 3,     // nobody listening, unreachable, refused by the operating system
  timed_out = 4,          // connect, authentication or a request took longer than allowed
  address_in_use = 5,     // a live listener already owns the port or the socket path
  listen_failed = 6,      // bind/listen refused for another reason
  auth_failed = 7,        // the peer did not prove the cluster token, or refused ours
  protocol_error = 8,     // bad magic, version, kind or reserved bits: not our protocol
  frame_too_large = 9,    // a frame longer than the configured maximum
  closed = 10,            // closed on this side (close(), a listener or pool shutting down)
  peer_closed = 11,       // the peer closed the connection
  io_error = 12,          // any other socket error
  shut_down = 13,         // the io_context is being shut down: no new work is accepted
  invalid_argument = 14,  // a reserved frame kind, an empty address, a zero timeout
  token_error = 15,       // a token file that is missing, malformed or readable by others
};

/// The enumerator's name ("auth_failed"); "unknown" for a number no enumerator has.
std::string_view to_string(errc e) noexcept;

/// A code for programs and a sentence for people (it names the peer or the path involved).
struct error {
  errc code = errc::ok;
  std::string message;
};

/// "auth_failed: tcp://127.0.0.1:4242 did not prove the cluster token".
std::string to_string(const error& e);

template <class T>
using result = actors::expected<T, error>;

/// Shorthand for `return fail(errc::timed_out, "...")` inside functions returning result<T>.
inline actors::unexpected<error> fail(errc code, std::string message) {
  return actors::unexpected<error>(error{code, std::move(message)});
}

/// The message of an exception, for logs and errors ("an exception not derived from
/// std::exception" for the others).
std::string what_of(const std::exception_ptr& e);

}  // namespace actors::net
