// Resources: what the node declares, what tasks hold while they run, queueing when resources are
// busy, infeasible tasks, and the introspection calls.
#include "runtime_fixture.hpp"

#include <map>
#include <string>
#include <vector>

namespace resources_test {

int add(int a, int b) { return a + b; }

/// Waits (bounded) for the gate file; returns whether it opened.
bool wait_gate(std::string gate) { return api_test::wait_for_file(gate, std::chrono::seconds(40)); }

}  // namespace resources_test

using namespace resources_test;
ACTORS_REMOTE(resources_test::add, resources_test::wait_gate, api_test::timed_sleep)

namespace {
using resource_map = std::map<std::string, double>;

/// The value of `key`, or -1 when the map lacks it (so a missing key fails a CHECK clearly).
double at(const resource_map& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? -1 : it->second;
}

actors::object_ref<api_test::interval> sleep_task(int ms, resource_map resources) {
  return actors::task(api_test::timed_sleep).set_resources(std::move(resources)).remote(ms);
}
}  // namespace

TEST_SUITE("resources") {
  TEST_CASE("cluster_resources reports what the config declares" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 3, .num_gpus = 1, .resources = {{"widget", 2}, {"gadget", 0.5}}});
    auto total = actors::cluster_resources();
    CHECK(at(total, "CPU") == 3);
    CHECK(at(total, "GPU") == 1);
    CHECK(at(total, "widget") == 2);
    CHECK(at(total, "gadget") == 0.5);
  }

  TEST_CASE("available_resources has every key of cluster_resources and all is free when idle" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2, .num_gpus = 0, .resources = {{"widget", 3}}});
    auto total = actors::cluster_resources();
    auto free = actors::available_resources();
    for (const auto& [key, amount] : total) {
      INFO("resource " << key);
      CHECK(free.count(key) == 1);
      CHECK(at(free, key) == amount);
    }
  }

  TEST_CASE("nodes reports one alive node with the cluster's resources" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2, .resources = {{"widget", 3}}}, api_test::nodes::one);
    auto ns = actors::nodes();
    REQUIRE(ns.size() == 1);
    CHECK(ns[0].alive);
    CHECK_FALSE(ns[0].id.empty());
    CHECK(ns[0].resources == actors::cluster_resources());
    CHECK(at(ns[0].resources, "CPU") == 2);
    CHECK(at(ns[0].resources, "widget") == 3);
  }

  TEST_CASE("available_resources drops while a task holds resources and comes back after" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2, .resources = {{"widget", 3}}});
    auto gate = api_test::fresh_path("holds");
    api_test::file_cleanup cleanup(gate);
    auto r = actors::task(wait_gate).set_resources({{"CPU", 1}, {"widget", 2}}).remote(gate);
    CHECK(api_test::eventually([] {
      auto free = actors::available_resources();
      return at(free, "CPU") == 1 && at(free, "widget") == 1;
    }));
    api_test::append_line(gate);
    CHECK(actors::get(r) == true);
    CHECK(api_test::eventually([] {
      auto free = actors::available_resources();
      return at(free, "CPU") == 2 && at(free, "widget") == 3;
    }));
  }

  TEST_CASE("a resource with nothing free is reported as zero" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 1});
    auto gate = api_test::fresh_path("zero");
    api_test::file_cleanup cleanup(gate);
    auto r = actors::task(wait_gate).remote(gate);  // holds the only CPU
    CHECK(api_test::eventually([] { return at(actors::available_resources(), "CPU") == 0; }));
    api_test::append_line(gate);
    CHECK(actors::get(r) == true);
  }

  TEST_CASE("a task needing both CPUs of a two CPU node never overlaps another CPU task" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2}, api_test::nodes::one);
    std::vector<actors::object_ref<api_test::interval>> small;
    for (int i = 0; i < 3; ++i) small.push_back(sleep_task(150, {{"CPU", 1}}));
    auto big = sleep_task(150, {{"CPU", 2}});
    for (int i = 0; i < 3; ++i) small.push_back(sleep_task(150, {{"CPU", 1}}));
    auto big_span = actors::get(big);
    auto small_spans = actors::get(small);
    for (const auto& s : small_spans) CHECK_FALSE(api_test::overlap(big_span, s));
    CHECK(api_test::max_simultaneous(small_spans) <= 2);
  }

  TEST_CASE("tasks beyond the free CPUs queue and all run later" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<api_test::interval>> refs;
    for (int i = 0; i < 8; ++i) refs.push_back(sleep_task(100, {{"CPU", 1}}));
    auto spans = actors::get(refs);
    CHECK(spans.size() == 8);
    CHECK(api_test::max_simultaneous(spans) <= 2);
  }

  TEST_CASE("a custom resource limits how many tasks run at once" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 4, .resources = {{"widget", 1}}});
    SUBCASE("whole units") {
      std::vector<actors::object_ref<api_test::interval>> refs;
      for (int i = 0; i < 3; ++i) refs.push_back(sleep_task(150, {{"CPU", 1}, {"widget", 1}}));
      CHECK(api_test::max_simultaneous(actors::get(refs)) == 1);
    }
    SUBCASE("fractions") {
      std::vector<actors::object_ref<api_test::interval>> refs;
      for (int i = 0; i < 4; ++i) refs.push_back(sleep_task(150, {{"CPU", 1}, {"widget", 0.5}}));
      CHECK(api_test::max_simultaneous(actors::get(refs)) <= 2);
    }
    SUBCASE("a task without the resource is not held back") {
      std::vector<actors::object_ref<api_test::interval>> refs;
      for (int i = 0; i < 2; ++i) refs.push_back(sleep_task(150, {{"CPU", 1}, {"widget", 1}}));
      CHECK(actors::get(actors::task(add).remote(1, 2)) == 3);
      actors::get(refs);
    }
  }

  TEST_CASE("an infeasible task stays pending while other tasks keep running" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2, .resources = {{"widget", 1}}});
    auto too_many_cpus = actors::task(add).set_resources({{"CPU", 3}}).remote(1, 1);
    auto too_much_widget = actors::task(add).set_resources({{"CPU", 1}, {"widget", 2}}).remote(1, 1);
    auto unknown = actors::task(add).set_resources({{"CPU", 1}, {"unicorn", 1}}).remote(1, 1);
    CHECK_THROWS_AS(actors::get(too_many_cpus, std::chrono::milliseconds(200)), actors::timeout_error);
    std::vector<actors::object_ref<int>> others;
    for (int i = 0; i < 10; ++i) others.push_back(actors::task(add).remote(i, i));
    auto values = actors::get(others);
    CHECK(values[9] == 18);
    auto still = actors::wait(std::vector{too_many_cpus, too_much_widget, unknown}, 3, std::chrono::milliseconds(100));
    CHECK(still.ready.empty());
    CHECK(still.unready.size() == 3);
    CHECK_THROWS_AS(actors::get(unknown, std::chrono::milliseconds(50)), actors::timeout_error);
    // Infeasible tasks hold nothing.
    CHECK(api_test::eventually([] { return at(actors::available_resources(), "CPU") == 2; }));
  }

  TEST_CASE("a task may hold GPUs the node declares" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2, .num_gpus = 2});
    auto r = actors::task(add).set_resources({{"CPU", 1}, {"GPU", 1}}).remote(2, 2);
    CHECK(actors::get(r, std::chrono::seconds(30)) == 4);
    auto both = sleep_task(100, {{"GPU", 2}});
    auto span = actors::get(both, std::chrono::seconds(30));
    CHECK(span.end > span.start);
  }
}
