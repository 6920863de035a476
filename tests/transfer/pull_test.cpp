// Pulls that succeed, over real TCP loopback and Unix sockets between two real stores: a large
// object verified by checksum, many small ones at once, one transfer for many pulls, pinning
// while served, and objects the server had spilled to disk.
#include "support.hpp"

#include <barrier>
#include <cstdlib>

using namespace transfer_test;

TEST_SUITE("transfer") {
  TEST_CASE("a 64 MiB object arrives whole over tcp and unix sockets" * doctest::timeout(120)) {
    for (bool unix_socket : {false, true}) {
      CAPTURE(unix_socket);
      server_node server(unix_socket);
      server.part.put(oid(1), 64 * mib, 11);
      std::uint64_t sent_sum = 0;
      {
        auto bytes = server.store().get(oid(1));
        REQUIRE(bytes);
        sent_sum = checksum(*bytes);
        server.store().release(oid(1));
      }
      puller_node node;
      auto r = node.pull(oid(1), server.where());
      REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
      CHECK(r->size == 64 * mib);
      CHECK_FALSE(r->already_local);
      CHECK_FALSE(r->joined);

      auto bytes = node.store().get(oid(1));
      REQUIRE(bytes);
      CHECK(bytes->size() == 64 * mib);
      CHECK(checksum(*bytes) == sent_sum);
      CHECK(has_pattern(*bytes, 11));
      node.store().release(oid(1));

      // 8 chunks of 8 MiB, one lease, closed at the end: the server pins nothing any more.
      const auto s = server.server->statistics();
      CHECK(s.opens == 1);
      CHECK(s.leased == 1);
      CHECK(s.chunks == 8);
      CHECK(s.bytes == 64 * mib);
      CHECK(eventually([&] { return server.server->statistics().open_leases == 0; }));
      const auto p = node.puller->statistics();
      CHECK(p.transfers == 1);
      CHECK(p.completed == 1);
      CHECK(p.chunks == 8);
      CHECK(p.bytes == 64 * mib);
      CHECK(p.active == 0);

      // The store has it now: a second pull moves nothing.
      auto again = node.pull(oid(1), server.where());
      REQUIRE(again);
      CHECK(again->already_local);
      CHECK(server.server->statistics().opens == 1);
    }
  }

  TEST_CASE("many small objects arrive at once each with its own bytes" * doctest::timeout(120)) {
    // Sizes around the inline limit (64 KiB) and the chunk size (64 KiB here), the empty
    // object, and a few chunks' worth.
    const std::vector<std::uint64_t> sizes = {0, 1, 100, 65535, 65536, 65537, 200000, (1u << 20) + 13};
    constexpr int objects = 240;
    server_node server(false);
    for (int i = 0; i < objects; ++i) server.part.put(oid(1000 + i), sizes[i % sizes.size()], 500 + i);
    puller_node node(256 * mib, {.chunk_size = 64 << 10, .window = 3});
    std::vector<std::future<xfer::result<xfer::pulled>>> pulls;
    for (int i = 0; i < objects; ++i) pulls.push_back(node.puller->pull(oid(1000 + i), server.where()));
    for (int i = 0; i < objects; ++i) {
      CAPTURE(i);
      auto r = get_within(pulls[i]);
      REQUIRE(r);
      REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
      CHECK((*r)->size == sizes[i % sizes.size()]);
      CHECK(node.part.holds(oid(1000 + i), sizes[i % sizes.size()], 500 + i));
    }
    const auto s = server.server->statistics();
    CHECK(s.opens == objects);
    CHECK(s.inlined + s.leased == objects);
    CHECK(s.inlined == objects / sizes.size() * 5);  // 0, 1, 100, 65535, 65536
    CHECK(eventually([&] { return server.server->statistics().open_leases == 0; }));
    CHECK(node.puller->statistics().completed == objects);
  }

  TEST_CASE("concurrent pulls of one object make one transfer" * doctest::timeout(120)) {
    server_node server(false);
    server.part.put(oid(2), 32 * mib, 22);
    SUBCASE("pulls from one thread, one after another") {
      puller_node node;
      std::vector<std::future<xfer::result<xfer::pulled>>> pulls;
      for (int i = 0; i < 8; ++i) pulls.push_back(node.puller->pull(oid(2), server.where()));
      int joined = 0;
      for (auto& f : pulls) {
        auto r = get_within(f);
        REQUIRE(r);
        REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
        CHECK((*r)->size == 32 * mib);
        joined += (*r)->joined;
      }
      CHECK(joined == 7);
      CHECK(server.server->statistics().opens == 1);
      CHECK(node.puller->statistics().transfers == 1);
      CHECK(node.puller->statistics().joined == 7);
      CHECK(node.part.holds(oid(2), 32 * mib, 22));
    }
    SUBCASE("pulls from many threads at once") {
      puller_node node;
      constexpr int threads = 6;
      std::barrier start(threads);
      std::vector<std::optional<xfer::result<xfer::pulled>>> results(threads);
      std::vector<std::thread> pullers;
      for (int i = 0; i < threads; ++i)
        pullers.emplace_back([&, i] {
          start.arrive_and_wait();
          auto f = node.puller->pull(oid(2), server.where());
          results[i] = get_within(f);
        });
      for (auto& t : pullers) t.join();
      for (auto& r : results) {
        REQUIRE(r);
        REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
      }
      // One transfer; a thread that came after it ended found the object already here.
      CHECK(server.server->statistics().opens == 1);
      const auto p = node.puller->statistics();
      CHECK(p.transfers == 1);
      CHECK(p.joined + p.already_local == threads - 1);
      CHECK(node.part.holds(oid(2), 32 * mib, 22));
    }
  }

  TEST_CASE("pulls beyond the objects a peer may hold open wait their turn" * doctest::timeout(120)) {
    // The server pins at most 2 objects per connection; the puller opens at most 2 at once, so
    // 12 pulls at once all succeed instead of 10 of them being refused.
    server_node server(false, 256 * mib, {.max_leases_per_connection = 2});
    for (int i = 0; i < 12; ++i) server.part.put(oid(300 + i), 3 * mib, 300 + i);
    puller_node node(256 * mib, {.chunk_size = 1 * mib, .window = 2, .max_open_per_peer = 2});
    std::vector<std::future<xfer::result<xfer::pulled>>> pulls;
    for (int i = 0; i < 12; ++i) pulls.push_back(node.puller->pull(oid(300 + i), server.where()));
    for (int i = 0; i < 12; ++i) {
      auto r = get_within(pulls[i]);
      REQUIRE(r);
      REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
      CHECK(node.part.holds(oid(300 + i), 3 * mib, 300 + i));
    }
    CHECK(server.server->statistics().failed == 0);
    CHECK(server.server->statistics().leased == 12);
  }

  TEST_CASE("an object the peer does not have is not_found and nothing is made here" * doctest::timeout(60)) {
    server_node server(true);
    puller_node node;
    auto r = node.pull(oid(404), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::not_found);
    CHECK(r.error().message.find(os::to_string(oid(404))) != std::string::npos);
    CHECK(r.error().message.find("is not on " + server.where().to_string()) != std::string::npos);
    CHECK_FALSE(node.store().contains(oid(404)));
    CHECK(node.store().statistics().bytes_used == 0);
    CHECK(server.server->statistics().not_found == 1);
    // An unsealed object is not handed out either.
    REQUIRE(server.store().create(oid(405), 1000));
    r = node.pull(oid(405), server.where());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == xfer::errc::not_found);
    CHECK(r.error().message.find("not sealed") != std::string::npos);
  }

  TEST_CASE("an object stays pinned on the server while it is served" * doctest::timeout(120)) {
    server_node server(false, 128 * mib);
    server.part.put(oid(3), 64 * mib, 33);
    server.store().set_evictable(oid(3), true);
    // Small chunks, one at a time: the transfer takes 64 round trips, long enough to act during it.
    puller_node node(256 * mib, {.chunk_size = 1 * mib, .window = 1});
    auto f = node.puller->pull(oid(3), server.where());
    REQUIRE(eventually([&] { return node.puller->statistics().chunks >= 2; }));
    // Neither eviction nor remove() can take it away mid-transfer.
    auto big = server.store().create(oid(4), 100 * mib);
    CHECK_FALSE(big);
    if (!big) CHECK(big.error() == os::errc::out_of_memory);
    CHECK(server.store().remove(oid(3)) == os::errc::ok);
    CHECK_FALSE(server.store().contains(oid(3)));
    auto r = get_within(f);
    REQUIRE(r);
    REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
    CHECK(node.part.holds(oid(3), 64 * mib, 33));
    // Once the lease is closed the removal takes effect and the memory is free.
    CHECK(eventually([&] { return server.store().statistics().bytes_used == 0; }));
  }

  TEST_CASE("objects the server spilled to disk are read back and served" * doctest::timeout(120)) {
    const char* tmp = std::getenv("TMPDIR");
    auto spill = os::spill_folder::open({.path = tmp && *tmp ? tmp : "/tmp"});
    REQUIRE(spill);
    server_node server(false, 40 * mib, {}, nullptr, std::move(*spill));
    server.part.put(oid(5), 24 * mib, 55);
    server.part.put(oid(6), 24 * mib, 66);  // no room for both: the first goes to disk
    REQUIRE(server.store().spilled(oid(5)));
    puller_node node;
    auto r = node.pull(oid(5), server.where());
    REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
    CHECK(node.part.holds(oid(5), 24 * mib, 55));
    CHECK(server.server->statistics().restored == 1);
    CHECK(server.store().spilled(oid(6)));  // made room for the restore
    // The other one, spilled to make room for that restore, comes back the same way.
    r = node.pull(oid(6), server.where());
    REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
    CHECK(node.part.holds(oid(6), 24 * mib, 66));
    CHECK(server.server->statistics().restored == 2);
  }
}
