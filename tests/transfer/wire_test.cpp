// The protocol's bodies: what is written is read back, and anything else is refused.
#include "transfer/errc.hpp"
#include "transfer/wire.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace actors::transfer;
namespace os = actors::object_store;

namespace {

std::vector<std::byte> flatten(const actors::net::message& m) {
  std::vector<std::byte> out;
  for (const auto& p : m.body) out.insert(out.end(), p.bytes().begin(), p.bytes().end());
  return out;
}

}  // namespace

TEST_SUITE("transfer_wire") {
  TEST_CASE("protocol bodies read back as written") {
    const open_request req{{.hi = 1, .lo = 0xfeedull << 40}, 8ull << 20, 65536};
    const auto m = encode(req);
    CHECK(m.kind == 300);
    const auto bytes = flatten(m);
    CHECK(bytes.size() == open_request::size);
    const auto back = decode_open_request(bytes);
    REQUIRE(back);
    CHECK(back->id == req.id);
    CHECK(back->chunk_size == req.chunk_size);
    CHECK(back->inline_max == req.inline_max);

    auto reply = open_reply_head(open_status::leased, os::errc::ok, 123456789, 42);
    CHECK(reply.kind == 301);
    auto r = decode_open_reply(flatten(reply));
    REQUIRE(r);
    CHECK(r->status == open_status::leased);
    CHECK(r->size == 123456789);
    CHECK(r->lease == 42);

    auto whole = open_reply_head(open_status::inline_data, os::errc::ok, 3, 0);
    whole.append(actors::net::payload::copy("abc"));
    r = decode_open_reply(flatten(whole));
    REQUIRE(r);
    CHECK(r->tail.size() == 3);

    const auto chunk = encode(chunk_request{7, 9}, 1234);
    CHECK(chunk.kind == 302);
    CHECK(chunk.correlation_id == 1234);
    const auto c = decode_chunk_request(flatten(chunk));
    REQUIRE(c);
    CHECK(c->lease == 7);
    CHECK(c->index == 9);

    CHECK(decode_close(flatten(close_lease(77))) == std::optional<std::uint64_t>(77));
    const auto refused = chunk_error(5, "");
    CHECK(refused.correlation_id == 5);
    CHECK_FALSE(flatten(refused).empty());
  }

  TEST_CASE("malformed bodies are refused") {
    CHECK_FALSE(decode_open_request(std::vector<std::byte>(31)));
    CHECK_FALSE(decode_open_request(std::vector<std::byte>(33)));
    CHECK_FALSE(decode_chunk_request(std::vector<std::byte>(15)));
    CHECK_FALSE(decode_close(std::vector<std::byte>(9)));
    CHECK_FALSE(decode_open_reply(std::vector<std::byte>(23)));
    // An unknown status, a non-zero reserved byte, inline bytes that do not match the size.
    auto bytes = flatten(open_reply_head(open_status::leased, os::errc::ok, 10, 1));
    bytes[0] = std::byte{4};
    CHECK_FALSE(decode_open_reply(bytes));
    bytes = flatten(open_reply_head(open_status::leased, os::errc::ok, 10, 1));
    bytes[5] = std::byte{1};
    CHECK_FALSE(decode_open_reply(bytes));
    auto whole = open_reply_head(open_status::inline_data, os::errc::ok, 4, 0);
    whole.append(actors::net::payload::copy("abc"));
    CHECK_FALSE(decode_open_reply(flatten(whole)));
    auto leased = open_reply_head(open_status::leased, os::errc::ok, 4, 1);
    leased.append(actors::net::payload::copy("x"));
    CHECK_FALSE(decode_open_reply(flatten(leased)));
  }

  TEST_CASE("kinds and codes have names") {
    CHECK(kind_name(303) == "chunk_data");
    CHECK(is_transfer_kind(309));
    CHECK_FALSE(is_transfer_kind(299));
    CHECK_FALSE(is_transfer_kind(310));
    CHECK(to_string(errc::not_found) == "not_found");
    CHECK(to_string(static_cast<errc>(200)) == "unknown");
    CHECK(to_string(error{errc::timed_out, "no chunk for 5 ms"}) == "timed_out: no chunk for 5 ms");
  }
}
