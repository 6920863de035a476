#pragma once
/// The object store's error codes. Numbers are pinned: they travel on the wire.

#include <cstdint>
#include <string_view>

namespace actors::object_store {

enum class errc : std::uint8_t {
  ok = 0,
  out_of_memory = 1,
  already_exists = 2,
  not_found = 3,
  not_sealed = 4,
  already_sealed = 5,
  map_failed = 6,
  invalid_argument = 7,
  pinned = 8,
};

std::string_view to_string(errc e) noexcept;

}  // namespace actors::object_store
