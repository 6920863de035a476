// Peers that send garbage, lie about lengths or say nothing are dropped, each alone: another
// authenticated connection on the same listener keeps working throughout.
#include "fixture.hpp"

using namespace actors::net;
using namespace transport_test;

namespace {

/// Round trip on a connection that must be unaffected by whatever happened to the others.
bool still_works(const connection_ptr& c, const std::string& text) {
  auto f = c->request(make_message(first_user_kind, text), 5s);
  auto r = get_within(f);
  return r && *r && (*r)->body.text() == text;
}

}  // namespace

TEST_SUITE("hostile") {
  TEST_CASE("garbage or an oversize length or silence before authenticating drops only that peer" *
            doctest::timeout(60)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      options so;
      so.auth_timeout = 300ms;
      echo_server server(unix_socket, so);
      io_pool io;
      auto good = connect_within(io, server.where(), token_a());
      REQUIRE(good);
      auto raw = [&] {
        return unix_socket ? raw_peer::connect_unix(server.where().path) : raw_peer::connect_tcp(server.where().port);
      };
      const std::string peer = unix_socket ? "unix:" : "tcp://127.0.0.1:";

      SUBCASE("garbage") {
        raw_peer p = raw();
        REQUIRE(p.ok());
        const std::string junk = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
        REQUIRE(p.write(junk.data(), junk.size()));
        CHECK(p.closed_by_peer(5s));
        CHECK_MESSAGE(server.log.wait_for("sent garbage before authenticating", peer), server.log.all());
        CHECK(server.log.contains("bad magic"));
      }
      SUBCASE("oversize length") {
        raw_peer p = raw();
        REQUIRE(p.ok());
        // A well-formed header that claims a 4 GiB HELLO: refused on the header alone.
        REQUIRE(p.write_frame(detail::kind_hello, nullptr, 0, 0xffffffffu));
        CHECK(p.closed_by_peer(5s));
        CHECK_MESSAGE(server.log.wait_for("4294967295 bytes before authenticating", peer), server.log.all());
      }
      SUBCASE("an application frame before authenticating") {
        raw_peer p = raw();
        REQUIRE(p.ok());
        REQUIRE(p.write_frame(first_user_kind, "hi", 2, 2));
        CHECK(p.closed_by_peer(5s));
        CHECK(server.log.wait_for("before authenticating", peer));
      }
      SUBCASE("silence") {
        raw_peer p = raw();
        REQUIRE(p.ok());
        const auto start = std::chrono::steady_clock::now();
        CHECK(p.closed_by_peer(5s));
        const auto waited = std::chrono::steady_clock::now() - start;
        CHECK(waited >= 250ms);
        CHECK(waited < 4s);
        CHECK_MESSAGE(server.log.wait_for("did not complete authentication within 300 ms", peer), server.log.all());
      }
      CHECK(still_works(*good, "after"));
      CHECK(server.opened == 1);
      CHECK(server.listener->connection_count() == 1);
    }
  }

  TEST_CASE("after authenticating a bad frame closes that connection only" * doctest::timeout(60)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      options so;
      so.max_frame_size = 1 << 20;
      echo_server server(unix_socket, so);
      io_pool io;
      auto good = connect_within(io, server.where(), token_a());
      REQUIRE(good);
      raw_peer p = unix_socket ? raw_peer::connect_unix(server.where().path) : raw_peer::connect_tcp(server.where().port);
      REQUIRE(p.authenticate(token_a()));
      REQUIRE(eventually([&] { return server.opened == 2; }));

      SUBCASE("a length over the maximum") {
        REQUIRE(p.write_frame(first_user_kind, nullptr, 0, (1u << 20) + 1));
        CHECK(p.closed_by_peer(5s));
        CHECK_MESSAGE(server.log.wait_for("announced a frame of 1048577 bytes", "the maximum is 1048576"),
                      server.log.all());
      }
      SUBCASE("garbage") {
        const char junk[24] = "\x01\x02 this is not a frame";
        REQUIRE(p.write(junk, sizeof junk));
        CHECK(p.closed_by_peer(5s));
        CHECK(server.log.wait_for("bad magic"));
      }
      SUBCASE("a handshake kind") {
        REQUIRE(p.write_frame(detail::kind_hello, nullptr, 0, 0));
        CHECK(p.closed_by_peer(5s));
        CHECK(server.log.wait_for("frame kind 1 after authentication"));
      }
      CHECK(eventually([&] { return server.closed == 1; }));
      CHECK(still_works(*good, "still here"));
    }
  }

  TEST_CASE("a frame over the receiver's maximum sent through the api closes the connection" * doctest::timeout(60)) {
    options so;
    so.max_frame_size = 1024;
    echo_server server(true, so);
    io_pool io;
    std::promise<error> closed;
    handlers h;
    h.on_closed = [&](const connection_ptr&, const error& why) { closed.set_value(why); };
    auto c = connect_within(io, server.where(), token_a(), h);  // this side allows 1 GiB
    REQUIRE(c);
    REQUIRE((*c)->send(make_message(first_user_kind, std::string(2048, 'x'))));
    auto f = closed.get_future();
    auto why = get_within(f);
    REQUIRE(why);
    CHECK(why->code == errc::peer_closed);
    CHECK(server.log.wait_for("announced a frame of 2048 bytes"));
  }
}
