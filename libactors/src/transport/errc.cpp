#include "transport/errc.hpp"

namespace actors::net {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::invalid_address: return "invalid_address";
    case errc::resolve_failed: return "resolve_failed";
    case errc::connect_failed: return "connect_failed";
    case errc::timed_out: return "timed_out";
    case errc::address_in_use: return "address_in_use";
    case errc::listen_failed: return "listen_failed";
    case errc::auth_failed: return "auth_failed";
    case errc::protocol_error: return "protocol_error";
    case errc::frame_too_large: return "frame_too_large";
    case errc::closed: return "closed";
    case errc::peer_closed: return "peer_closed";
    case errc::io_error: return "io_error";
    case errc::shut_down: return "shut_down";
    case errc::invalid_argument: return "invalid_argument";
    case errc::token_error: return "token_error";
  }
  return "unknown";  // a number from a newer peer
}

std::string to_string(const error& e) {
  std::string out(to_string(e.code));
  if (!e.message.empty()) {
    out += ": ";
    out += e.message;
  }
  return out;
}

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

}  // namespace actors::net
