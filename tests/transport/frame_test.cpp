// The frame header's byte layout and checks, payload ownership, and the handshake's proofs.
#include "transport/auth.hpp"
#include "transport/frame.hpp"

#include "support.hpp"

#include <doctest/doctest.h>

using namespace actors::net;

TEST_SUITE("frame") {
  TEST_CASE("the header is 24 little-endian bytes in the documented order") {
    const frame_header h{.kind = 0x0102, .flags = 0x0304, .length = 0x05060708, .correlation_id = 0x1112131415161718};
    const auto b = h.encode();
    auto at = [&](std::size_t i) { return std::to_integer<unsigned>(b[i]); };
    CHECK(at(0) == 'A');
    CHECK(at(3) == 'F');
    CHECK(at(4) == 1);  // version, low byte first
    CHECK(at(5) == 0);
    CHECK(at(6) == 0x02);
    CHECK(at(7) == 0x01);
    CHECK(at(8) == 0x04);
    CHECK(at(10) == 0);  // reserved
    CHECK(at(12) == 0x08);
    CHECK(at(15) == 0x05);
    CHECK(at(16) == 0x18);
    CHECK(at(23) == 0x11);
    auto back = frame_header::decode(b);
    REQUIRE(back);
    CHECK(back->kind == h.kind);
    CHECK(back->flags == h.flags);
    CHECK(back->length == h.length);
    CHECK(back->correlation_id == h.correlation_id);
  }

  TEST_CASE("bad magic or another version or reserved bits are protocol errors") {
    auto b = frame_header{.kind = 300}.encode();
    auto bad_magic = b;
    bad_magic[0] = std::byte{'G'};
    CHECK(frame_header::decode(bad_magic).error().message.find("bad magic") != std::string::npos);
    auto v2 = b;
    v2[4] = std::byte{2};
    CHECK(frame_header::decode(v2).error().message.find("version 2") != std::string::npos);
    auto reserved = b;
    reserved[11] = std::byte{1};
    CHECK(frame_header::decode(reserved).error().code == errc::protocol_error);
  }

  TEST_CASE("a payload keeps its owner until it is dropped") {
    auto owner = std::make_shared<std::vector<std::byte>>(1000);
    std::weak_ptr<std::vector<std::byte>> watch = owner;
    message m;
    m.append(payload::view(*owner, owner)).append(payload::copy("abc"));
    owner.reset();
    CHECK_FALSE(watch.expired());
    CHECK(m.body_size() == 1003);
    m.body.clear();
    CHECK(watch.expired());
    CHECK(make_message(first_user_kind, "hello").body_size() == 5);
  }

  TEST_CASE("proofs depend on the role and both nonces and the token") {
    using namespace actors::net::detail;
    const auto t = transport_test::token_a();
    const nonce c = make_nonce(), s = make_nonce();
    const proof p = make_proof(t, role::client, c, s);
    CHECK(proofs_equal(p, make_proof(t, role::client, c, s)));
    CHECK_FALSE(proofs_equal(p, make_proof(t, role::server, c, s)));
    CHECK_FALSE(proofs_equal(p, make_proof(t, role::client, s, c)));
    CHECK_FALSE(proofs_equal(p, make_proof(transport_test::token_b(), role::client, c, s)));
    CHECK_FALSE(c == s);
  }
}
