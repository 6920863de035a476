#include "transfer/wire.hpp"

#include <array>
#include <vector>

namespace actors::transfer {
namespace {

// Little-endian by shifts, so the layout is the same on any host.
void put64(std::byte* out, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>(v >> (8 * i));
}
std::uint64_t get64(const std::byte* in) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::to_integer<std::uint64_t>(in[i]) << (8 * i);
  return v;
}

net::message with_body(kind k, std::vector<std::byte> body, std::uint64_t correlation = 0) {
  net::message m{.kind = number(k), .correlation_id = correlation};
  m.append(net::payload::take(std::move(body)));
  return m;
}

}  // namespace

net::message encode(const open_request& r) {
  std::vector<std::byte> b(open_request::size);
  put64(b.data(), r.id.hi);
  put64(b.data() + 8, r.id.lo);
  put64(b.data() + 16, r.chunk_size);
  put64(b.data() + 24, r.inline_max);
  return with_body(kind::open, std::move(b));
}

std::optional<open_request> decode_open_request(std::span<const std::byte> body) {
  if (body.size() != open_request::size) return std::nullopt;
  open_request r;
  r.id = {get64(body.data()), get64(body.data() + 8)};
  r.chunk_size = get64(body.data() + 16);
  r.inline_max = get64(body.data() + 24);
  return r;
}

net::message open_reply_head(open_status status, object_store::errc store_code, std::uint64_t size,
                             std::uint64_t lease) {
  std::vector<std::byte> b(open_reply::fixed_size, std::byte{0});
  b[0] = static_cast<std::byte>(status);
  b[1] = static_cast<std::byte>(store_code);
  put64(b.data() + 8, size);
  put64(b.data() + 16, lease);
  return with_body(kind::open_reply, std::move(b));
}

std::optional<open_reply> decode_open_reply(std::span<const std::byte> body) {
  if (body.size() < open_reply::fixed_size) return std::nullopt;
  for (std::size_t i = 2; i < 8; ++i)
    if (body[i] != std::byte{0}) return std::nullopt;
  const auto status = std::to_integer<std::uint8_t>(body[0]);
  if (status > static_cast<std::uint8_t>(open_status::failed)) return std::nullopt;
  open_reply r;
  r.status = static_cast<open_status>(status);
  r.store_code = static_cast<object_store::errc>(std::to_integer<std::uint8_t>(body[1]));
  r.size = get64(body.data() + 8);
  r.lease = get64(body.data() + 16);
  r.tail = body.subspan(open_reply::fixed_size);
  if (r.status == open_status::inline_data && r.tail.size() != r.size) return std::nullopt;
  if (r.status == open_status::leased && !r.tail.empty()) return std::nullopt;
  return r;
}

net::message encode(const chunk_request& r, std::uint64_t tag) {
  std::vector<std::byte> b(chunk_request::size);
  put64(b.data(), r.lease);
  put64(b.data() + 8, r.index);
  return with_body(kind::chunk_request, std::move(b), tag);
}

std::optional<chunk_request> decode_chunk_request(std::span<const std::byte> body) {
  if (body.size() != chunk_request::size) return std::nullopt;
  return chunk_request{get64(body.data()), get64(body.data() + 8)};
}

net::message chunk_error(std::uint64_t tag, std::string_view why) {
  net::message m{.kind = number(kind::chunk_error), .correlation_id = tag};
  // Never empty: the puller passes this text on to whoever waits for the object.
  m.append(net::payload::copy(why.empty() ? std::string_view("chunk refused") : why));
  return m;
}

net::message close_lease(std::uint64_t lease) {
  std::vector<std::byte> b(8);
  put64(b.data(), lease);
  return with_body(kind::close, std::move(b));
}

std::optional<std::uint64_t> decode_close(std::span<const std::byte> body) {
  if (body.size() != 8) return std::nullopt;
  return get64(body.data());
}

std::string_view kind_name(std::uint16_t k) noexcept {
  switch (static_cast<kind>(k)) {
    case kind::open: return "open";
    case kind::open_reply: return "open_reply";
    case kind::chunk_request: return "chunk_request";
    case kind::chunk_data: return "chunk_data";
    case kind::chunk_error: return "chunk_error";
    case kind::close: return "close";
  }
  return "a kind outside the object transfer protocol";
}

}  // namespace actors::transfer
