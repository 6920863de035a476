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
    case errc::too_large: return "too_large";
    case errc::disk_full: return "disk_full";
    case errc::io_error: return "io_error";
    case errc::read_only: return "read_only";
    case errc::permission_denied: return "permission_denied";
    case errc::chunk_out_of_range: return "chunk_out_of_range";
    case errc::chunk_duplicate: return "chunk_duplicate";
    case errc::chunk_size_mismatch: return "chunk_size_mismatch";
    case errc::cancelled: return "cancelled";
  }
  return "unknown";  // a number received from a newer peer
}

}  // namespace actors::object_store
