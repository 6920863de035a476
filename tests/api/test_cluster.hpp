#pragma once
/// The cluster mode of the API test suite: with $ACTORS_TEST_CLUSTER_CLI naming the `actors`
/// command, every runtime_fixture starts a real cluster shaped like the config it was given
/// (`actors start --head` with its CPUs, GPUs and custom resources, in a temp dir of its own),
/// joins it as a driver, and stops it at the end. The test bodies are the same in both modes.
///
/// $ACTORS_TEST_CLUSTER_NODES=3 starts a head and two more nodes: the head keeps one CPU and
/// the other CPUs and the custom resources go to the other nodes, so the suite's work spreads
/// over several node managers.

#include <actors/actors.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <stdlib.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace api_test {

/// The `actors` command the suite runs clusters with, or "" in embedded mode.
inline std::string cluster_cli() {
  const char* cli = std::getenv("ACTORS_TEST_CLUSTER_CLI");
  return cli ? cli : "";
}

inline int cluster_nodes() {
  const char* n = std::getenv("ACTORS_TEST_CLUSTER_NODES");
  return n ? std::max(1, std::atoi(n)) : 1;
}

class test_cluster {
 public:
  /// Starts the cluster for `cfg` and returns the config a driver joins it with.
  explicit test_cluster(const actors::config& cfg, int nodes = cluster_nodes()) {
    char pattern[] = "/tmp/acT_XXXXXX";  // short: Unix socket paths must fit in 107 bytes
    REQUIRE(::mkdtemp(pattern) != nullptr);
    temp_ = pattern;
    const double cpus = cfg.num_cpus.value_or(2);
    const double gpus = cfg.num_gpus.value_or(0);
    std::vector<node_shape> shapes(nodes);
    // Several nodes: the head keeps one CPU, the others share the rest a CPU at a time, and the
    // last one gets the GPUs and custom resources, so that placing by resource means spilling.
    double left = cpus;
    shapes[0].cpus = nodes == 1 ? cpus : std::min(cpus, 1.0);
    left -= shapes[0].cpus;
    // The last node first: work that needs its custom resources or GPUs needs a CPU there too.
    for (int i = 0; left > 0; ++i, left -= 1) shapes[nodes - 1 - i % (nodes - 1)].cpus += std::min(1.0, left);
    shapes[nodes - 1].gpus = gpus;
    shapes[nodes - 1].resources = cfg.resources;
    shapes[0].memory = cfg.object_store_memory;
    const std::string head_dir = temp_ + "/h";
    auto head = finish_start(launch_start(shapes[0], "--head --port 0", head_dir));
    REQUIRE_MESSAGE(head.has_value(), "the head printed no address");
    address_ = *head;
    // The other nodes start side by side: each only needs the head.
    std::vector<started> others;
    for (int i = 1; i < nodes; ++i)
      others.push_back(launch_start(shapes[i], "--address " + address_ + " --token-file " + head_dir +
                                                   "/session_latest/token",
                                    temp_ + "/n" + std::to_string(i)));
    for (auto& s : others) finish_start(std::move(s));
    join_ = actors::config{.address = address_, .ns = cfg.ns, .token = read_token(temp_ + "/h")};
  }
  test_cluster(const test_cluster&) = delete;
  test_cluster& operator=(const test_cluster&) = delete;

  ~test_cluster() {
    // $ACTORS_TEST_CLUSTER_LOGS=1 prints every daemon and worker log: for a case that fails.
    if (std::getenv("ACTORS_TEST_CLUSTER_LOGS")) print_logs();
    // Nodes before the head, so that each can still tell the head it leaves; the nodes side by side.
    std::string stop_nodes;
    for (std::size_t i = 1; i < dirs_.size(); ++i)
      stop_nodes += "'" + cluster_cli() + "' stop --temp-dir " + dirs_[i] + " >/dev/null 2>&1 & ";
    if (!stop_nodes.empty()) run(stop_nodes + "wait");
    if (!dirs_.empty()) run("'" + cluster_cli() + "' stop --temp-dir " + dirs_[0] + " >/dev/null 2>&1");
    std::error_code ec;
    std::filesystem::remove_all(temp_, ec);
  }

  const actors::config& join_config() const noexcept { return join_; }

 private:
  struct node_shape {
    double cpus = 0, gpus = 0;
    std::map<std::string, double> resources;
    std::uint64_t memory = 0;
  };

  void print_logs() const {
    run("for f in $(find " + temp_ + " -name '*.log'); do echo \"---- $f\"; cat \"$f\"; done >&2");
  }

  static int run(const std::string& command) { return std::system(command.c_str()); }

  static std::string resources_json(const std::map<std::string, double>& r) {
    std::ostringstream out;
    out << "{";
    for (auto it = r.begin(); it != r.end(); ++it) out << (it == r.begin() ? "" : ",") << '"' << it->first << "\":" << it->second;
    out << "}";
    return out.str();
  }

  /// An `actors start` that runs; finish_start() reads what it printed.
  struct started {
    std::string command;
    FILE* out = nullptr;
  };

  /// Launches `actors start` for one node.
  started launch_start(const node_shape& s, const std::string& how, const std::string& dir) {
    std::filesystem::create_directories(dir);
    dirs_.push_back(dir);
    std::ostringstream cmd;
    cmd << "'" << cluster_cli() << "' start " << how << " --temp-dir " << dir << " --num-cpus " << s.cpus
        << " --num-gpus " << s.gpus;
    if (!s.resources.empty()) cmd << " --resources '" << resources_json(s.resources) << "'";
    if (s.memory) cmd << " --object-store-memory " << s.memory;
    cmd << " 2>&1";
    return {cmd.str(), ::popen(cmd.str().c_str(), "r")};
  }

  /// Waits for a launched start to succeed; returns the address it printed, if any.
  static std::optional<std::string> finish_start(started s) {
    REQUIRE_MESSAGE(s.out != nullptr, "cannot run " << s.command);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, s.out)) out += buf;
    int status = ::pclose(s.out);
    INFO(s.command << "\n" << out);
    REQUIRE(status == 0);
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(R"(address:\s+(\S+))"))) return std::nullopt;
    return m[1].str();
  }

  static std::string read_token(const std::string& dir) {
    std::ifstream in(dir + "/session_latest/token");
    std::string hex;
    in >> hex;
    REQUIRE(!hex.empty());
    return hex;
  }

  std::string temp_, address_;
  std::vector<std::string> dirs_;
  actors::config join_;
};

}  // namespace api_test
