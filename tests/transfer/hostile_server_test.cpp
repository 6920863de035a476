// Peers that break the protocol, on either side. A puller facing a server that lies about
// sizes, answers garbage, falls silent or stops mid-object reports a clear error in bounded
// time and keeps nothing; a server facing a client that sends garbage closes that connection
// and goes on serving others.
#include "support.hpp"

#include "transfer/wire.hpp"
#include "transport/connect.hpp"
#include "transport/connection.hpp"

using namespace transfer_test;

namespace {

/// A listener whose frames go to `serve`: a server written by hand for each test.
struct fake_server {
  net::io_pool io{1};
  std::shared_ptr<net::listener> listener;
  std::atomic<int> frames{0};

  explicit fake_server(std::function<void(const net::connection_ptr&, net::frame&)> serve) {
    net::handlers h;
    h.on_frame = [this, serve](const net::connection_ptr& c, net::frame&& f) {
      ++frames;
      serve(c, f);
    };
    net::options o;
    o.log = [](net::log_level, std::string_view) {};
    auto l = net::listener::open(io.context(), listen_address(false), token_a(), h, o);
    REQUIRE(l);
    listener = *l;
  }
  ~fake_server() { io.stop(); }
  const net::address& where() const { return listener->local_address(); }
};

net::message leased(std::uint64_t size) {
  return xfer::open_reply_head(xfer::open_status::leased, os::errc::ok, size, 1);
}

net::message data_for(const net::frame& request, std::size_t bytes) {
  net::message m{.kind = 303, .correlation_id = request.correlation_id};
  m.append(net::payload::take(std::vector<std::byte>(bytes, std::byte{0x33})));
  return m;
}

xfer::puller_options quiet(xfer::puller_options o = {}) {
  o.log = [](net::log_level, std::string_view) {};
  return o;
}

}  // namespace

TEST_SUITE("transfer_hostile") {
  TEST_CASE("a chunk of the wrong size closes the connection and fails the pull" * doctest::timeout(60)) {
    fake_server server([](const net::connection_ptr& c, net::frame& f) {
      if (f.kind == 300) c->reply(f, leased(4 * mib));
      if (f.kind == 302) c->send(data_for(f, 100));
    });
    puller_node node(64 * mib, quiet({.chunk_size = 1 * mib}));
    auto r = node.pull(oid(20), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::protocol_error);
    CHECK(r.error().message.find("as 100 bytes; that chunk is 1048576") != std::string::npos);
    CHECK_FALSE(node.store().contains(oid(20)));
    CHECK(node.store().statistics().bytes_used == 0);
  }

  TEST_CASE("a malformed open reply is a protocol error" * doctest::timeout(60)) {
    fake_server server([](const net::connection_ptr& c, net::frame& f) {
      if (f.kind == 300) c->reply(f, net::make_message(301, "garbage"));
    });
    puller_node node(64 * mib, quiet());
    auto r = node.pull(oid(21), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::protocol_error);
    CHECK(r.error().message.find("malformed open reply (7 bytes)") != std::string::npos);
  }

  TEST_CASE("a refused chunk fails the pull with the server's words" * doctest::timeout(60)) {
    fake_server server([](const net::connection_ptr& c, net::frame& f) {
      if (f.kind == 300) c->reply(f, leased(4 * mib));
      if (f.kind == 302) c->send(xfer::chunk_error(f.correlation_id, "no such lease"));
    });
    puller_node node(64 * mib, quiet({.chunk_size = 1 * mib}));
    auto r = node.pull(oid(22), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::protocol_error);
    CHECK(r.error().message.find("no such lease") != std::string::npos);
    CHECK_FALSE(node.store().contains(oid(22)));
  }

  TEST_CASE("a silent server times out" * doctest::timeout(60)) {
    fake_server server([](const net::connection_ptr&, net::frame&) {});
    puller_node node(64 * mib, quiet({.timeout = 300ms}));
    const auto start = std::chrono::steady_clock::now();
    auto r = node.pull(oid(23), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start < 10s);
  }

  TEST_CASE("a server that stops mid-object times out and nothing is kept" * doctest::timeout(60)) {
    std::atomic<int> answered{0};
    fake_server server([&](const net::connection_ptr& c, net::frame& f) {
      if (f.kind == 300) c->reply(f, leased(8 * mib));
      if (f.kind == 302 && answered++ == 0) c->send(data_for(f, 1 * mib));  // the first chunk only
    });
    puller_node node(64 * mib, quiet({.chunk_size = 1 * mib, .window = 2, .timeout = 300ms}));
    auto r = node.pull(oid(24), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::timed_out);
    CHECK(r.error().message.find("(1 of 8 chunks had)") != std::string::npos);
    CHECK_FALSE(node.store().contains(oid(24)));
    CHECK(node.store().statistics().bytes_used == 0);
    // The stuck connection was closed.
    CHECK(eventually([&] { return server.listener->connection_count() == 0; }));
  }

  TEST_CASE("a server closes a client that sends garbage and goes on serving others" * doctest::timeout(60)) {
    std::vector<std::string> lines;
    std::mutex m;
    xfer::server_options so;
    so.log = [&](net::log_level, std::string_view line) {
      std::lock_guard lock(m);
      lines.emplace_back(line);
    };
    server_node server(false, 64 * mib, so);
    server.part.put(oid(25), 2 * mib, 25);
    net::io_pool io(1);
    for (auto bad : {net::make_message(300, "short"), net::make_message(256, "not ours"),
                     net::make_message(303, "a server's kind")}) {
      auto c = net::connect(io.context(), server.where(), token_a()).get();
      REQUIRE(c);
      REQUIRE((*c)->send(std::move(bad)));
      CHECK(eventually([&] { return !(*c)->is_open(); }));
    }
    {
      std::lock_guard lock(m);
      REQUIRE(lines.size() == 3);
      CHECK(lines[0].find("open request of 5 bytes") != std::string::npos);
      CHECK(lines[1].find("kind 256") != std::string::npos);
      CHECK(lines[2].find("chunk_data") != std::string::npos);
    }
    // A chunk request for a lease nobody opened gets an answer, not a hang. The answer is not a
    // reply (it carries the tag as its correlation id): on_frame sees it.
    std::promise<std::string> refused;
    net::handlers h;
    h.on_frame = [&](const net::connection_ptr&, net::frame&& f) {
      if (f.kind == 304) refused.set_value(std::string(f.body.text()));
    };
    auto watched = net::connect(io.context(), server.where(), token_a(), h).get();
    REQUIRE(watched);
    REQUIRE((*watched)->send(xfer::encode(xfer::chunk_request{99, 0}, 7)));
    auto text = refused.get_future();
    REQUIRE(text.wait_for(10s) == std::future_status::ready);
    CHECK(text.get().find("lease 99") != std::string::npos);
    // And a real puller is served as usual.
    puller_node node(64 * mib);
    auto r = node.pull(oid(25), server.where());
    REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
    CHECK(node.part.holds(oid(25), 2 * mib, 25));
    io.stop();
  }
}
