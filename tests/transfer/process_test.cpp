// The server in another process (transfer_test_server, started with fork + exec): the bytes
// cross a real process boundary, and the server can die for real in the middle of a transfer.
#include "support.hpp"

using namespace transfer_test;

TEST_SUITE("transfer_process") {
  TEST_CASE("an object server in another process serves a 64 MiB object" * doctest::timeout(180)) {
    for (const char* where : {"tcp://127.0.0.1:0", "unix:/tmp/actors-xfer-proc-%d.sock"}) {
      CAPTURE(where);
      char address[128];
      std::snprintf(address, sizeof address, where, static_cast<int>(::getpid()));
      server_process server({"--address", address, "--token", token_a().to_hex(), "--capacity",
                             std::to_string(80 * mib), "--object", "1:" + std::to_string(64 * mib) + ":77"});
      const auto at = server.address();
      REQUIRE(at);
      puller_node node;
      auto r = node.pull(oid(1), *at);
      REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
      CHECK(r->size == 64 * mib);
      CHECK(node.part.holds(oid(1), 64 * mib, 77));
      // An object it does not have, over the same connection.
      auto missing = node.pull(oid(2), *at);
      REQUIRE_FALSE(missing);
      CHECK(missing.error().code == xfer::errc::not_found);
      CHECK(server.stop() == 0);
    }
  }

  TEST_CASE("a server killed mid-transfer fails the pull and leaves nothing" * doctest::timeout(180)) {
    server_process server({"--address", "tcp://127.0.0.1:0", "--token", token_a().to_hex(), "--capacity",
                           std::to_string(140 * mib), "--object", "1:" + std::to_string(128 * mib) + ":88"});
    const auto at = server.address();
    REQUIRE(at);
    // 2048 chunks, one at a time: the transfer is far from done after a handful.
    puller_node node(256 * mib, {.chunk_size = 64 << 10, .window = 1});
    auto f = node.puller->pull(oid(1), *at);
    REQUIRE(eventually([&] { return node.puller->statistics().chunks >= 4; }));
    server.kill_now();
    auto r = get_within(f);
    REQUIRE(r);
    REQUIRE_FALSE(*r);
    CHECK(r->error().code == xfer::errc::disconnected);
    CHECK(r->error().message.find(at->to_string()) != std::string::npos);
    CHECK(node.puller->statistics().chunks < 2048);
    CHECK_FALSE(node.store().contains(oid(1)));
    CHECK(node.store().statistics().bytes_used == 0);
    // The node goes on: the next pull from the dead address fails at once, not after a hang.
    auto again = node.pull(oid(1), *at, 30s);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == xfer::errc::connect_failed);
  }
}
