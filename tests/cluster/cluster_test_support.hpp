#pragma once
// What the cluster API tests share (cluster_api_test.cpp, cluster_objects_test.cpp): joining the
// cluster that cluster_api_test.py started, nodes of a test's own, and where things are.

#include <doctest/doctest.h>

#include <actors/actors.hpp>

#include <nlohmann/json.hpp>

#include "../support/poll.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace cluster_test {

// The node a task or actor runs on, as the first 8 hex digits of its id: each worker's node
// manager socket is named after it (node_<id8>.sock).
inline std::string node_here() {
  std::string socket = std::getenv("ACTORS_WORKER_NODE") ? std::getenv("ACTORS_WORKER_NODE") : "";
  auto at = socket.rfind("node_");
  return at == std::string::npos ? "driver" : socket.substr(at + 5, 8);
}

/// Waits (bounded) until the head's view of the free store memory, which heartbeats refresh
/// every 500 ms, satisfies `holds(free, total)`.
template <class Pred>
inline bool store_view_eventually(std::chrono::seconds bound, Pred holds) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (holds(actors::available_resources()["object_store_memory"], actors::cluster_resources()["object_store_memory"]))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  MESSAGE("store memory free ", actors::available_resources()["object_store_memory"], " of ",
          actors::cluster_resources()["object_store_memory"]);
  return false;
}

/// Waits (bounded) until every node's store holds nothing.
inline bool stores_at_baseline(std::chrono::seconds bound) {
  return store_view_eventually(bound, [](double free, double total) { return free == total; });
}

/// The 8-digit id of the node offering `resource` (cluster_api_test.py --nodes 3 gives "special"
/// and the GPUs to one node and "other" to another).
inline std::string node_with(const std::string& resource) {
  for (const auto& n : actors::nodes())
    if (n.alive && n.resources.contains(resource)) return n.id.substr(0, 8);
  return "none";
}

/// The command that starts a node of a test's own in this cluster (cluster_api_test.py names
/// the CLI and the temp dir), with `flags` after the shared ones.
inline std::string node_start_command(const std::string& flags) {
  const char* cli = std::getenv("ACTORS_TEST_CLI");
  REQUIRE(cli);
  return std::string(cli) + " start --address " + std::getenv("ACTORS_ADDRESS") + " --temp-dir " +
         std::getenv("ACTORS_TEMP_DIR") + " " + flags;
}

/// Starts a node of the test's own, as a daemon: `actors start` returns once it has joined.
inline void add_node(const std::string& flags) {
  REQUIRE(std::system((node_start_command(flags) + " > /dev/null").c_str()) == 0);
}

/// Joins the cluster named by $ACTORS_ADDRESS for one test.
struct joined {
  joined() {
    REQUIRE(std::getenv("ACTORS_ADDRESS"));
    actors::init();
  }
  ~joined() { actors::shutdown(); }
};

/// Starts a node of the test's own in the foreground of a shell of its own, so that the test
/// knows its pid (to kill it); returns once the head lists it. Its output goes to `log`.
inline pid_t start_node_process(const std::string& flags, const std::string& log) {
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  const std::string pid_file = temp + "/node_" + std::to_string(std::rand()) + ".pid";
  const auto before = actors::nodes().size();
  auto start = "(exec " + node_start_command("--block " + flags) + " > " + log + " 2>&1) & echo $! > " + pid_file;
  REQUIRE(std::system(start.c_str()) == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (actors::nodes().size() == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(actors::nodes().size() == before + 1);
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  REQUIRE(pid > 1);
  return pid;
}

/// What `actors status --json` says of the cluster (null if it says nothing readable).
inline nlohmann::json cluster_status() {
  const char* cli = std::getenv("ACTORS_TEST_CLI");
  REQUIRE(cli);
  std::string command = std::string(cli) + " status --json --temp-dir " + std::getenv("ACTORS_TEMP_DIR");
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  auto status = nlohmann::json::parse(out, nullptr, false);
  return status.is_discarded() ? nlohmann::json() : status;
}

/// Bytes of the store of node `node8` (8-digit id) in use, as the head sees it (refreshed by the
/// node's heartbeats); -1 if the node is not listed.
inline double store_in_use(const std::string& node8) {
  auto status = cluster_status();
  if (!status.contains("nodes")) return -1;
  for (const auto& n : status["nodes"])
    if (n["node_id"].get<std::string>().starts_with(node8))
      return n["resources_total"]["object_store_memory"].get<double>() -
             n["resources_available"]["object_store_memory"].get<double>();
  return -1;
}

/// Amount of `resource` free on node `node8` as the head sees it; -1 if the node is not listed.
inline double available_on(const std::string& node8, const std::string& resource) {
  auto status = cluster_status();
  if (!status.contains("nodes")) return -1;
  for (const auto& n : status["nodes"])
    if (n["node_id"].get<std::string>().starts_with(node8))
      return n["resources_available"].contains(resource) ? n["resources_available"][resource].get<double>() : 0.0;
  return -1;
}

/// The head's node: the 8-digit id (a driver started by cluster_api_test.py runs there).
inline std::string head_node() {
  auto status = cluster_status();
  REQUIRE(status.contains("head_node_id"));
  return status["head_node_id"].get<std::string>().substr(0, 8);
}

/// Polls `pred` every 100 ms (each poll may run the CLI) until it holds or `limit` has passed;
/// returns its last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(20)) {
  return test_support::poll_until(pred, limit, std::chrono::milliseconds(100));
}

}  // namespace cluster_test
