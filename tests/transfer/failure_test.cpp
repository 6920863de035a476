// Pulls that fail: each ends with a clear error value, in bounded time, and leaves nothing
// half-made in the local store and no lease open on the server.
#include "support.hpp"

using namespace transfer_test;

namespace {

/// Wraps an object server's handlers so that the connection is closed, once, at the
/// `after`-th chunk request: a peer that hangs up in the middle of a transfer.
std::atomic<int> hang_up_after{0};
std::atomic<int> chunk_requests{0};
net::handlers hang_up_once(net::handlers inner) {
  auto frame = inner.on_frame;
  inner.on_frame = [frame](const net::connection_ptr& c, net::frame&& f) {
    if (f.kind == 302 && ++chunk_requests == hang_up_after.load()) return c->close("test: hanging up mid-transfer");
    frame(c, std::move(f));
  };
  return inner;
}

}  // namespace

TEST_SUITE("transfer") {
  TEST_CASE("a pull into a full local store fails cleanly and leaves nothing" * doctest::timeout(120)) {
    server_node server(false);
    server.part.put(oid(10), 32 * mib, 10);
    SUBCASE("an object larger than the whole store") {
      puller_node node(16 * mib);
      auto r = node.pull(oid(10), server.where());
      REQUIRE_FALSE(r);
      CHECK(r.error().code == xfer::errc::local_store);
      CHECK(r.error().store_code == os::errc::too_large);
      CHECK(r.error().message.find("the local store refused 32 MiB: too_large") != std::string::npos);
      CHECK(node.store().statistics().objects == 0);
    }
    SUBCASE("a store whose room is pinned") {
      puller_node node(48 * mib);
      node.part.put(oid(11), 40 * mib, 1);
      REQUIRE(node.store().get(oid(11)));  // pinned: neither evicted nor spilled
      const auto before = node.store().statistics();
      auto r = node.pull(oid(10), server.where());
      REQUIRE_FALSE(r);
      CHECK(r.error().code == xfer::errc::local_store);
      CHECK(r.error().store_code == os::errc::out_of_memory);
      const auto after = node.store().statistics();
      CHECK(after.objects == before.objects);
      CHECK(after.bytes_used == before.bytes_used);
      CHECK_FALSE(node.store().contains(oid(10)));
      // Nothing half-made stands in the way once there is room.
      node.store().release(oid(11));
      REQUIRE(node.store().remove(oid(11)) == os::errc::ok);
      auto again = node.pull(oid(10), server.where());
      REQUIRE_MESSAGE(again, (again ? "" : to_string(again.error())));
      CHECK(node.part.holds(oid(10), 32 * mib, 10));
    }
    // The refused object's lease was closed: the server pins nothing.
    CHECK(eventually([&] { return server.server->statistics().open_leases == 0; }));
  }

  TEST_CASE("a peer without the cluster token is refused" * doctest::timeout(60)) {
    server_node server(false);
    server.part.put(oid(12), 1 * mib, 12);
    puller_node node(64 * mib, {}, token_b());
    auto r = node.pull(oid(12), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::auth_failed);
    CHECK(r.error().message.find(server.where().to_string()) != std::string::npos);
    CHECK(server.server->statistics().opens == 0);
    CHECK(node.store().statistics().objects == 0);
  }

  TEST_CASE("a peer that cannot be reached is connect_failed" * doctest::timeout(60)) {
    puller_node node(64 * mib, {.connect_timeout = 2000ms});
    auto r = node.pull(oid(13), *net::parse_address("unix:/tmp/actors-xfer-nobody-" + std::to_string(::getpid())));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::connect_failed);
    r = node.pull(oid(13), *net::parse_address("tcp://127.0.0.1:1"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::connect_failed);
    CHECK(node.puller->statistics().failed == 2);
  }

  TEST_CASE("a peer that hangs up mid-transfer fails the pull and loses nothing" * doctest::timeout(120)) {
    chunk_requests = 0;
    hang_up_after = 3;
    server_node server(false, 256 * mib, {}, hang_up_once);
    server.part.put(oid(14), 16 * mib, 14);
    puller_node node(256 * mib, {.chunk_size = 1 * mib, .window = 2});
    auto r = node.pull(oid(14), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::disconnected);
    CHECK(r.error().message.find("chunks had arrived") != std::string::npos);
    // Told only once the unsealed object was gone.
    CHECK_FALSE(node.store().contains(oid(14)));
    CHECK(node.store().statistics().bytes_used == 0);
    CHECK(eventually([&] { return server.server->statistics().open_leases == 0; }));
    // A new connection, and the object comes whole.
    auto again = node.pull(oid(14), server.where());
    REQUIRE_MESSAGE(again, (again ? "" : to_string(again.error())));
    CHECK(node.part.holds(oid(14), 16 * mib, 14));
  }

  TEST_CASE("closing the puller ends its pulls with shut_down and leaves nothing" * doctest::timeout(120)) {
    server_node server(true);
    server.part.put(oid(15), 64 * mib, 15);
    puller_node node(256 * mib, {.chunk_size = 256 << 10, .window = 1});
    auto f = node.puller->pull(oid(15), server.where());
    REQUIRE(eventually([&] { return node.puller->statistics().chunks >= 2; }));
    node.puller->close();
    auto r = get_within(f);
    REQUIRE(r);
    REQUIRE_FALSE(*r);
    CHECK(r->error().code == xfer::errc::shut_down);
    CHECK_FALSE(node.store().contains(oid(15)));
    CHECK(node.store().statistics().bytes_used == 0);
    auto late = node.pull(oid(15), server.where());
    REQUIRE_FALSE(late);
    CHECK(late.error().code == xfer::errc::shut_down);
    CHECK(eventually([&] { return server.server->statistics().open_leases == 0; }));
  }

  TEST_CASE("bad arguments are refused at once" * doctest::timeout(30)) {
    store_part part(16 * mib);
    net::io_pool io(1);
    CHECK(xfer::object_puller::make(io.context(), *part.store, token_a(), {.chunk_size = 0}).error().code ==
          xfer::errc::invalid_argument);
    CHECK(xfer::object_puller::make(io.context(), *part.store, token_a(), {.window = 0}).error().code ==
          xfer::errc::invalid_argument);
    CHECK(xfer::object_puller::make(io.context(), *part.store, token_a(), {.timeout = 0ms}).error().code ==
          xfer::errc::invalid_argument);
    auto p = xfer::object_puller::make(io.context(), *part.store, token_a());
    REQUIRE(p);
    auto f = (*p)->pull(os::object_id{}, *net::parse_address("tcp://127.0.0.1:1"));
    REQUIRE(f.wait_for(0s) == std::future_status::ready);  // no I/O needed to say no
    auto r = f.get();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::invalid_argument);
    p->reset();
    io.stop();
  }
}
