// The token handshake: a peer with another token is refused on both sides and logged, a
// server that cannot prove the token is refused by the client, and the token never travels.
#include "fixture.hpp"

#include <sys/socket.h>

using namespace actors::net;
using namespace transport_test;

TEST_SUITE("auth") {
  TEST_CASE("a client with the wrong token is refused and both sides log it" * doctest::timeout(60)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      echo_server server(unix_socket, {}, token_a());
      io_pool io;
      captured_log client_log;
      options o;
      o.log = client_log.fn();
      std::atomic<int> opened{0};
      handlers h;
      h.on_open = [&](const connection_ptr&) { ++opened; };
      auto c = connect_within(io, server.where(), token_b(), h, o);
      REQUIRE_FALSE(c);
      CHECK(c.error().code == errc::auth_failed);
      CHECK(c.error().message.find("refused our proof") != std::string::npos);
      CHECK(client_log.contains("could not authenticate", "refused our proof"));
      // The server names the peer it refused.
      const std::string peer = unix_socket ? "unix:" + server.where().path : "tcp://127.0.0.1:";
      CHECK_MESSAGE(server.log.wait_for("refused a connection", peer), server.log.all());
      CHECK(server.log.contains("did not prove the cluster token"));
      CHECK(opened == 0);
      CHECK(server.opened == 0);
      CHECK(server.listener->connection_count() == 0);
      // The right token still gets in.
      CHECK(connect_within(io, server.where(), token_a()));
    }
  }

  TEST_CASE("a server that cannot prove the token is refused by the client" * doctest::timeout(60)) {
    // A fake server: answers HELLO, takes the client's proof, returns a made-up one.
    const std::string path = unique_socket_path();
    const int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(lfd, 4) == 0);
    std::vector<unsigned char> seen;  // every byte the client sent
    bool got_refused = false;
    std::thread fake([&] {
      pollfd pfd{lfd, POLLIN, 0};
      if (::poll(&pfd, 1, 10000) != 1) return;
      raw_peer peer(::accept(lfd, nullptr, nullptr));
      const auto n = detail::make_nonce();
      peer.write_frame(detail::kind_hello, n.data(), n.size(), 32);
      std::vector<unsigned char> body;
      for (int i = 0; i < 2; ++i) {  // HELLO, then PROOF
        auto h = peer.read_frame(body);
        if (!h) return;
        seen.insert(seen.end(), body.begin(), body.end());
      }
      const auto fake_proof = detail::make_nonce();
      peer.write_frame(detail::kind_proof, fake_proof.data(), fake_proof.size(), 32);
      auto h = peer.read_frame(body);
      got_refused = h && h->kind == detail::kind_refused;
    });
    io_pool io;
    captured_log client_log;
    options o;
    o.log = client_log.fn();
    auto c = connect_within(io, *parse_address("unix:" + path), token_a(), {}, o);
    fake.join();
    ::close(lfd);
    ::unlink(path.c_str());
    REQUIRE_FALSE(c);
    CHECK(c.error().code == errc::auth_failed);
    CHECK(c.error().message.find("did not prove the cluster token") != std::string::npos);
    CHECK(client_log.contains("could not authenticate", "unix:" + path));
    CHECK(got_refused);
    // The client sent its nonce and its proof, never the token itself.
    REQUIRE(seen.size() == 64);
    const auto token = token_a();
    const auto& t = token.data();
    CHECK(std::search(seen.begin(), seen.end(), t.begin(), t.end()) == seen.end());
  }

  TEST_CASE("a handshake done by hand with the right token is accepted" * doctest::timeout(30)) {
    echo_server server(false);
    raw_peer peer = raw_peer::connect_tcp(server.where().port);
    REQUIRE(peer.ok());
    CHECK(peer.authenticate(token_a()));
    CHECK(eventually([&] { return server.opened == 1; }));
    raw_peer wrong = raw_peer::connect_tcp(server.where().port);
    CHECK_FALSE(wrong.authenticate(token_b()));
    CHECK(wrong.closed_by_peer(5s));
  }
}
