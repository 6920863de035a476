// The head's node table on a hand-driven clock: registration, heartbeats, expiry, leaving.

#include "cluster/membership.hpp"
#include "cluster/protocol.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace actors;
using namespace std::chrono_literals;
using cluster::membership;

namespace {

cluster::node_info node(const std::string& id, double cpus) {
  return {.node_id = id, .address = "10.0.0.1", .hostname = "h", .pid = 1, .is_head = false, .total = {{"CPU", cpus}}};
}

const cluster::node_entry& row(const cluster::cluster_status& s, const std::string& id) {
  for (const auto& e : s.nodes)
    if (e.node.node_id == id) return e;
  FAIL("no row for " << id);
  return s.nodes.front();
}

}  // namespace

TEST_SUITE("cluster_membership") {
  TEST_CASE("a registered node is alive with its resources available") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    CHECK(table.register_node(node("a", 2), t0).accepted);
    auto s = table.snapshot(t0 + 10ms);
    REQUIRE(s.nodes.size() == 1);
    CHECK(s.nodes[0].alive);
    CHECK(s.nodes[0].available.at("CPU") == 2);
    CHECK(s.nodes[0].ms_since_heartbeat == 10);
  }

  TEST_CASE("heartbeats keep a node alive and silence kills it once") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    table.register_node(node("a", 2), t0);
    table.register_node(node("b", 1), t0);
    CHECK(table.heartbeat("a", {{"CPU", 1}}, t0 + 900ms).standing == cluster::node_standing::alive);
    CHECK(table.expire(t0 + 1000ms).empty());  // exactly the timeout is not yet too late
    auto died = table.expire(t0 + 1500ms);
    REQUIRE(died.size() == 1);
    CHECK(died[0] == "b");
    CHECK(table.expire(t0 + 5000ms) == std::vector<std::string>{"a"});
    CHECK(table.expire(t0 + 9000ms).empty());  // each death is reported once
    auto s = table.snapshot(t0 + 9000ms);
    CHECK_FALSE(row(s, "b").alive);
    CHECK(row(s, "b").death_reason.find("no heartbeat") != std::string::npos);
    CHECK(row(s, "b").available.empty());
  }

  TEST_CASE("a heartbeat updates the available resources") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    table.register_node(node("a", 4), t0);
    table.heartbeat("a", {{"CPU", 1.5}}, t0 + 100ms);
    CHECK(table.snapshot(t0 + 100ms).nodes[0].available.at("CPU") == 1.5);
    table.heartbeat("a", {{"CPU", -1}}, t0 + 200ms);  // malformed view: life counts, view ignored
    CHECK(table.snapshot(t0 + 200ms).nodes[0].available.at("CPU") == 1.5);
    CHECK(table.snapshot(t0 + 200ms).nodes[0].ms_since_heartbeat == 0);
  }

  TEST_CASE("a dead node id stays dead and may not register again") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    table.register_node(node("a", 2), t0);
    table.expire(t0 + 2000ms);
    auto beat = table.heartbeat("a", {}, t0 + 2100ms);
    CHECK(beat.standing == cluster::node_standing::dead);
    auto again = table.register_node(node("a", 2), t0 + 2200ms);
    CHECK_FALSE(again.accepted);
    CHECK(again.reason.find("declared dead") != std::string::npos);
    CHECK(again.declared_dead);  // so the node joins again under a new id
  }

  TEST_CASE("an alive node that registers again keeps its row") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    table.register_node(node("a", 2), t0);
    CHECK(table.register_node(node("a", 3), t0 + 500ms).accepted);
    auto s = table.snapshot(t0 + 500ms);
    REQUIRE(s.nodes.size() == 1);
    CHECK(s.nodes[0].node.total.at("CPU") == 3);
  }

  TEST_CASE("unknown nodes are told to register and bad registrations are refused") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    CHECK(table.heartbeat("x", {}, t0).standing == cluster::node_standing::unknown);
    CHECK_FALSE(table.register_node(node("", 1), t0).accepted);
    CHECK_FALSE(table.register_node(node("n", -1), t0).accepted);
    CHECK(table.snapshot(t0).nodes.empty());
  }

  TEST_CASE("a node that leaves is dead at once with its reason") {
    membership table(1000ms);
    auto t0 = membership::clock::now();
    table.register_node(node("a", 2), t0);
    CHECK(table.unregister("a", "stopped by SIGTERM"));
    CHECK_FALSE(table.unregister("zz", "x"));
    auto s = table.snapshot(t0);
    CHECK_FALSE(s.nodes[0].alive);
    CHECK(s.nodes[0].death_reason == "stopped by SIGTERM");
  }
}

TEST_SUITE("cluster_protocol") {
  TEST_CASE("a status message decodes to what was encoded") {
    cluster::cluster_status s{.head_node_id = "h", .head_address = "tcp://1.2.3.4:5", .heartbeat_timeout_ms = 7,
                              .nodes = {{.node = node("a", 2), .alive = false, .available = {{"CPU", 1}},
                                         .ms_since_heartbeat = 3, .death_reason = "gone"}}};
    auto m = cluster::encode_message(cluster::kind::get_cluster_status, s);
    net::frame f;
    f.kind = m.kind;
    f.body = net::body_buffer(m.body_size());
    std::memcpy(f.body.data(), m.body[0].bytes().data(), m.body_size());
    auto back = cluster::decode_body<cluster::cluster_status>(f, cluster::kind::get_cluster_status);
    REQUIRE(back);
    CHECK(back->nodes.at(0).death_reason == "gone");
    CHECK(back->nodes.at(0).node.total.at("CPU") == 2);
    CHECK(back->heartbeat_timeout_ms == 7);

    auto wrong_kind = cluster::decode_body<cluster::cluster_status>(f, cluster::kind::heartbeat);
    REQUIRE_FALSE(wrong_kind);
    CHECK(wrong_kind.error().message.find("expected heartbeat") != std::string::npos);

    net::frame cut;
    cut.kind = m.kind;
    cut.body = net::body_buffer(5);
    std::memset(cut.body.data(), 0, 5);
    CHECK_FALSE(cluster::decode_body<cluster::cluster_status>(cut, cluster::kind::get_cluster_status));
  }

  TEST_CASE("an error reply carries the peer's message") {
    auto m = cluster::encode_message(cluster::kind::error_reply, cluster::error_body{"no such thing"});
    net::frame f;
    f.kind = m.kind;
    f.body = net::body_buffer(m.body_size());
    std::memcpy(f.body.data(), m.body[0].bytes().data(), m.body_size());
    auto r = cluster::decode_body<cluster::heartbeat_reply>(f, cluster::kind::heartbeat);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("no such thing") != std::string::npos);
  }
}
