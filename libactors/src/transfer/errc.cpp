#include "transfer/errc.hpp"

namespace actors::transfer {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::not_found: return "not_found";
    case errc::local_store: return "local_store";
    case errc::remote_store: return "remote_store";
    case errc::connect_failed: return "connect_failed";
    case errc::auth_failed: return "auth_failed";
    case errc::disconnected: return "disconnected";
    case errc::protocol_error: return "protocol_error";
    case errc::timed_out: return "timed_out";
    case errc::shut_down: return "shut_down";
    case errc::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

std::string to_string(const error& e) {
  std::string out(to_string(e.code));
  if (!e.message.empty()) out += ": " + e.message;
  return out;
}

}  // namespace actors::transfer
