#include <actors/object_store/errc.hpp>

namespace actors::object_store {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::out_of_memory: return "out_of_memory";
    case errc::already_exists: return "already_exists";
    case errc::not_found: return "not_found";
    case errc::not_sealed: return "not_sealed";
    case errc::already_sealed: return "already_sealed";
    case errc::map_failed: return "map_failed";
    case errc::invalid_argument: return "invalid_argument";
    case errc::pinned: return "pinned";
  }
  return "unknown";  // a number received from a newer peer
}

}  // namespace actors::object_store
