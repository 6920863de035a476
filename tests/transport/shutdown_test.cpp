// Shutting down with connections open, requests pending and handshakes half done returns
// promptly, runs every on_closed, and leaves no thread behind.
#include "fixture.hpp"

using namespace actors::net;
using namespace transport_test;

TEST_SUITE("shutdown") {
  TEST_CASE("stopping a pool with open connections and pending requests returns promptly" * doctest::timeout(60)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      echo_server server(unix_socket);
      server.on_frame_hook = [](const connection_ptr&, frame&) { return true; };  // never answers
      auto client_io = std::make_unique<io_pool>(2);
      std::atomic<int> client_closed{0};
      handlers h;
      h.on_closed = [&](const connection_ptr&, const error&) { ++client_closed; };
      std::vector<connection_ptr> conns;
      for (int i = 0; i < 3; ++i) {
        auto c = connect_within(*client_io, server.where(), token_a(), h);
        REQUIRE(c);
        conns.push_back(*c);
      }
      auto pending = conns[0]->request(make_message(first_user_kind, "waits"), 60s);
      // A peer stuck in the handshake too.
      raw_peer half = unix_socket ? raw_peer::connect_unix(server.where().path) : raw_peer::connect_tcp(server.where().port);
      REQUIRE(eventually([&] { return server.listener->connection_count() == 3; }));

      auto start = std::chrono::steady_clock::now();
      CHECK(server.io.stop());
      CHECK(std::chrono::steady_clock::now() - start < 3s);
      CHECK(server.closed == 3);
      CHECK(half.closed_by_peer(5s));
      if (unix_socket) CHECK(::access(server.where().path.c_str(), F_OK) != 0);  // socket file removed

      // The clients see the server go.
      CHECK(eventually([&] { return client_closed == 3; }));
      auto r = get_within(pending, 5s);
      REQUIRE(r);
      CHECK(r->error().code == errc::peer_closed);

      start = std::chrono::steady_clock::now();
      CHECK(client_io->stop());
      conns.clear();  // before the io_context their sockets belong to
      client_io.reset();
      CHECK(std::chrono::steady_clock::now() - start < 3s);
    }
  }

  TEST_CASE("stopping the client side fails its requests with shut_down" * doctest::timeout(60)) {
    echo_server server(true);
    server.on_frame_hook = [](const connection_ptr&, frame&) { return true; };
    io_pool io;
    std::promise<error> closed;
    handlers h;
    h.on_closed = [&](const connection_ptr&, const error& why) { closed.set_value(why); };
    auto c = connect_within(io, server.where(), token_a(), h);
    REQUIRE(c);
    auto pending = (*c)->request(make_message(first_user_kind, "waits"), 60s);
    const auto start = std::chrono::steady_clock::now();
    CHECK(io.stop());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    auto r = get_within(pending, 1s);
    REQUIRE(r);
    CHECK(r->error().code == errc::shut_down);
    auto f = closed.get_future();
    CHECK(get_within(f, 1s)->code == errc::shut_down);
    // After stop: refused at once, nothing left waiting.
    auto late = connect_within(io, server.where(), token_a(), {}, {}, 2s);
    REQUIRE_FALSE(late);
    CHECK(late.error().code == errc::shut_down);
    CHECK(eventually([&] { return server.closed == 1; }));
  }

  TEST_CASE("a pool destroyed with connections open returns promptly" * doctest::timeout(60)) {
    echo_server server(false);
    const auto start = std::chrono::steady_clock::now();
    {
      io_pool io(2);
      for (int i = 0; i < 4; ++i) REQUIRE(connect_within(io, server.where(), token_a()));
    }  // ~io_pool with four connections open
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(eventually([&] { return server.closed == 4; }));
  }

  TEST_CASE("close_all works on an io_context the caller runs" * doctest::timeout(60)) {
    echo_server server(true);
    boost::asio::io_context ctx;
    auto work = boost::asio::make_work_guard(ctx);
    std::thread runner([&] { ctx.run(); });
    std::atomic<int> closed{0};
    handlers h;
    h.on_closed = [&](const connection_ptr&, const error&) { ++closed; };
    auto f = connect(ctx, server.where(), token_a(), h);
    auto c = get_within(f);
    REQUIRE((c && *c));
    auto l = listener::open(ctx, listen_address(true), token_a(), {});
    REQUIRE(l);
    const std::string path = (*l)->local_address().path;
    CHECK(close_all(ctx, 2s));
    CHECK(closed == 1);
    CHECK(::access(path.c_str(), F_OK) != 0);
    work.reset();
    ctx.stop();
    runner.join();
    c->value().reset();
    l->reset();
  }
}
