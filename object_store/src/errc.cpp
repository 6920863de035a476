#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <cstdio>

namespace actors::object_store {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::out_of_memory: return "out of memory";
    case errc::already_exists: return "already exists";
    case errc::not_found: return "not found";
    case errc::not_sealed: return "not sealed";
    case errc::already_sealed: return "already sealed";
    case errc::map_failed: return "cannot map memory";
    case errc::invalid_argument: return "invalid argument";
    case errc::pinned: return "pinned";
  }
  return "unknown error";
}

std::string to_string(const object_id& id) {
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(id.hi),
                static_cast<unsigned long long>(id.lo));
  return text;
}

}  // namespace actors::object_store
