// nlohmann::json crosses as CBOR: compact, binary, and exact for numbers.
#include <actors/codec.hpp>

#include <nlohmann/json.hpp>

namespace actors {

void codec<nlohmann::json>::write(writer& w, const nlohmann::json& v) {
  auto bytes = nlohmann::json::to_cbor(v);
  w.write_size(bytes.size());
  w.write_bytes(bytes.data(), bytes.size());
}

void codec<nlohmann::json>::read(reader& r, nlohmann::json& v) {
  std::vector<std::uint8_t> bytes(r.read_size());
  r.read_bytes(bytes.data(), bytes.size());
  try {
    v = nlohmann::json::from_cbor(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw error(std::string("actors codec: malformed JSON value: ") + e.what());
  }
}

}  // namespace actors
