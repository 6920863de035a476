#include <actors/object_store/object_id.hpp>

#include <ostream>

namespace actors::object_store {

std::string to_string(const object_id& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(32, '0');
  for (int i = 0; i < 16; ++i) {
    text[15 - i] = digits[(id.hi >> (4 * i)) & 0xf];
    text[31 - i] = digits[(id.lo >> (4 * i)) & 0xf];
  }
  return text;
}

std::ostream& operator<<(std::ostream& os, const object_id& id) { return os << to_string(id); }

}  // namespace actors::object_store
