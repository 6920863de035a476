// Ray's hybrid placement policy and GPU device slots, on their own: which node a lease goes
// to for a given cluster view, and which device ids a GPU lease gets.
#include "cluster/gpu_slots.hpp"
#include "cluster/placement.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace actors::cluster;

namespace {
node_load node(const std::string& id, double cpus_total, double cpus_free, resource_map extra = {}) {
  node_load n{.node_id = id, .manager_address = "tcp://10.0.0.1:1", .total = {{"CPU", cpus_total}},
              .available = {{"CPU", cpus_free}}};
  for (const auto& [name, amount] : extra) n.total[name] = n.available[name] = amount;
  return n;
}
const resource_map one_cpu{{"CPU", 1}};
}  // namespace

TEST_CASE("an idle local node takes the lease without looking elsewhere") {
  auto self = node("a", 4, 4);
  std::vector<node_load> others{node("b", 4, 4)};
  CHECK(choose_node(one_cpu, self, others).kind == placement_kind::here);
}

TEST_CASE("below half busy the local node packs; at half it spreads to an idle node") {
  std::vector<node_load> others{node("b", 4, 4)};
  CHECK(choose_node(one_cpu, node("a", 4, 3), others).kind == placement_kind::here);  // 25 % busy
  auto p = choose_node(one_cpu, node("a", 4, 2), others);                              // 50 % busy
  REQUIRE(p.kind == placement_kind::elsewhere);
  CHECK(p.node->node_id == "b");
}

TEST_CASE("above the threshold everywhere the least utilised node that fits wins, local on a tie") {
  std::vector<node_load> others{node("b", 4, 1), node("c", 4, 2)};
  auto p = choose_node(one_cpu, node("a", 4, 1), others);
  REQUIRE(p.kind == placement_kind::elsewhere);
  CHECK(p.node->node_id == "c");  // 50 % busy against 75 %
  CHECK(choose_node(one_cpu, node("a", 4, 2), others).kind == placement_kind::here);  // tie with c
}

TEST_CASE("below the threshold the first node in order is packed, not the emptiest") {
  std::vector<node_load> others{node("b", 8, 5), node("c", 8, 8)};
  auto p = choose_node(one_cpu, node("a", 1, 0), others);
  REQUIRE(p.kind == placement_kind::elsewhere);
  CHECK(p.node->node_id == "b");
}

TEST_CASE("when nothing fits now the lease waits where it could ever fit, here first") {
  std::vector<node_load> others{node("b", 4, 0)};
  CHECK(choose_node(one_cpu, node("a", 2, 0), others).kind == placement_kind::wait_here);
  auto p = choose_node({{"CPU", 3}}, node("a", 2, 0), others);
  REQUIRE(p.kind == placement_kind::elsewhere);  // only b could ever fit 3 CPUs: it waits there
  CHECK(p.node->node_id == "b");
}

TEST_CASE("a custom resource goes to the node that has it, and nowhere is infeasible") {
  std::vector<node_load> others{node("b", 1, 1), node("c", 1, 0, {{"special", 2}})};
  auto p = choose_node({{"special", 1}}, node("a", 4, 4), others);
  REQUIRE(p.kind == placement_kind::elsewhere);
  CHECK(p.node->node_id == "c");
  CHECK(choose_node({{"missing", 1}}, node("a", 4, 4), others).kind == placement_kind::infeasible);
  CHECK(choose_node({{"CPU", 64}}, node("a", 4, 4), others).kind == placement_kind::infeasible);
}

TEST_CASE("utilisation is that of the busiest requested resource") {
  auto n = node("a", 4, 3, {{"GPU", 2}});
  n.available["GPU"] = 0;
  CHECK(utilisation(one_cpu, n) == doctest::Approx(0.25));
  CHECK(utilisation({{"CPU", 1}, {"GPU", 1}}, n) == doctest::Approx(1.0));
  CHECK(utilisation({}, n) == 0);
}

TEST_CASE("whole GPUs are distinct devices; shares pack onto one device") {
  gpu_slots gpus({"0", "1"});
  auto first = gpus.take(1);
  auto second = gpus.take(1);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first != *second);
  CHECK_FALSE(gpus.take(1));
  gpus.give_back(*first, 1);
  auto half = gpus.take(0.5), other_half = gpus.take(0.5);
  REQUIRE(half);
  REQUIRE(other_half);
  CHECK(*half == *other_half);  // the same device, shared
  CHECK_FALSE(gpus.take(0.5));
  CHECK(gpus.take(0)->empty());
  CHECK(gpu_slots::visible_devices({"2", "3"}) == "2,3");
}

TEST_CASE("a worker started with some GPUs serves again only if exactly those are free") {
  gpu_slots gpus({"0", "1", "2"});
  REQUIRE(gpus.take_these({"1", "2"}, 2));
  CHECK_FALSE(gpus.take_these({"1"}, 1));  // busy
  CHECK_FALSE(gpus.take_these({"0"}, 2));  // wrong count
  auto two = gpus.take(2);
  CHECK_FALSE(two);  // only "0" is left
  gpus.give_back({"1", "2"}, 2);
  two = gpus.take(2);
  REQUIRE(two);
  CHECK(two->size() == 2);
}
