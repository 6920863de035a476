#include "transport/frame.hpp"

#include <cstdio>
#include <cstring>

namespace actors::net {
namespace {

// The wire is little-endian whatever the host is; these compile to plain moves on x86 and ARM.
void put16(std::byte* p, std::uint16_t v) noexcept {
  p[0] = std::byte(v & 0xff);
  p[1] = std::byte(v >> 8);
}
void put32(std::byte* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = std::byte((v >> (8 * i)) & 0xff);
}
void put64(std::byte* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = std::byte((v >> (8 * i)) & 0xff);
}
std::uint16_t get16(const std::byte* p) noexcept {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | std::to_integer<unsigned>(p[1]) << 8);
}
std::uint32_t get32(const std::byte* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::to_integer<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
std::uint64_t get64(const std::byte* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::to_integer<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

frame_header::bytes frame_header::encode() const noexcept {
  bytes b{};
  std::memcpy(b.data(), magic.data(), magic.size());
  put16(b.data() + 4, version);
  put16(b.data() + 6, kind);
  put16(b.data() + 8, flags);
  put16(b.data() + 10, 0);  // reserved
  put32(b.data() + 12, length);
  put64(b.data() + 16, correlation_id);
  return b;
}

result<frame_header> frame_header::decode(const bytes& raw) {
  if (std::memcmp(raw.data(), magic.data(), magic.size()) != 0) {
    char seen[16];
    std::snprintf(seen, sizeof seen, "%02x%02x%02x%02x", std::to_integer<unsigned>(raw[0]),
                  std::to_integer<unsigned>(raw[1]), std::to_integer<unsigned>(raw[2]),
                  std::to_integer<unsigned>(raw[3]));
    return fail(errc::protocol_error, std::string("bad magic 0x") + seen + " (not an actors frame)");
  }
  if (const auto v = get16(raw.data() + 4); v != version)
    return fail(errc::protocol_error, "protocol version " + std::to_string(v) + ", this side speaks " +
                                          std::to_string(version));
  if (const auto r = get16(raw.data() + 10); r != 0)
    return fail(errc::protocol_error, "reserved header field is " + std::to_string(r) + ", not 0");
  frame_header h;
  h.kind = get16(raw.data() + 6);
  h.flags = get16(raw.data() + 8);
  h.length = get32(raw.data() + 12);
  h.correlation_id = get64(raw.data() + 16);
  return h;
}

payload payload::copy(std::span<const std::byte> bytes) {
  return take(std::vector<std::byte>(bytes.begin(), bytes.end()));
}

payload payload::copy(std::string_view text) { return take(std::string(text)); }

payload payload::take(std::vector<std::byte>&& bytes) {
  auto owner = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  return view({owner->data(), owner->size()}, owner);
}

payload payload::take(std::string&& text) {
  auto owner = std::make_shared<const std::string>(std::move(text));
  return view(std::as_bytes(std::span(owner->data(), owner->size())), owner);
}

payload payload::view(std::span<const std::byte> bytes, std::shared_ptr<const void> owner) {
  payload p;
  p.bytes_ = bytes;
  p.owner_ = std::move(owner);
  return p;
}

std::uint64_t message::body_size() const noexcept {
  std::uint64_t n = 0;
  for (const auto& p : body) n += p.bytes().size();
  return n;
}

message make_message(std::uint16_t kind, std::string_view text) {
  message m;
  m.kind = kind;
  m.append(payload::copy(text));
  return m;
}

}  // namespace actors::net
