// actors status: the cluster's nodes and resources, as a table or as JSON.

#include "access.hpp"
#include "commands.hpp"

#include "cluster/status_client.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace actors::cli {

const char* const status_help = R"(Usage: actors status [options]

Shows the cluster's nodes (id, alive or dead, address, resources available and total) and the
resources of the alive nodes in use and in total.

Without --address it asks the head of this machine's latest session under the temp dir, through
its Unix socket, with the token in that session folder.

Options:
  --address HOST:PORT  ask the head at HOST:PORT
  --token-file FILE    the cluster token (default: $ACTORS_TOKEN, else the session folder)
  --temp-dir DIR       where session folders live (default /tmp/actors)
  --json               print JSON instead of a table
  --help               show this text
)";

namespace {

const std::vector<flag_spec> status_flags = {{"address"}, {"token-file"}, {"temp-dir"}, {"json", false}};

constexpr std::chrono::seconds status_timeout{5};

bool is_bytes(const std::string& name) { return name == "memory" || name == "object_store_memory"; }

std::string amount_text(const std::string& name, double v) {
  char buf[64];
  if (is_bytes(name))
    std::snprintf(buf, sizeof buf, "%.2f GiB", v / (1024.0 * 1024.0 * 1024.0));
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

nlohmann::json to_json(const cluster::cluster_status& s) {
  nlohmann::json nodes = nlohmann::json::array();
  cluster::resource_map total, used;
  for (const auto& e : s.nodes) {
    nodes.push_back({{"node_id", e.node.node_id},
                     {"state", e.alive ? "alive" : "dead"},
                     {"alive", e.alive},
                     {"is_head", e.node.is_head},
                     {"address", host_port(e.node.address)},
                     {"hostname", e.node.hostname},
                     {"pid", e.node.pid},
                     {"resources_total", e.node.total},
                     {"resources_available", e.available},
                     {"ms_since_heartbeat", e.ms_since_heartbeat},
                     {"death_reason", e.death_reason}});
    if (!e.alive) continue;
    for (const auto& [name, amount] : e.node.total) {
      total[name] += amount;
      auto it = e.available.find(name);
      used[name] += amount - (it == e.available.end() ? 0 : it->second);
    }
  }
  return {{"head_address", host_port(s.head_address)},
          {"head_node_id", s.head_node_id},
          {"heartbeat_timeout_ms", s.heartbeat_timeout_ms},
          {"nodes", nodes},
          {"resources_total", total},
          {"resources_used", used}};
}

void print_table(const nlohmann::json& j) {
  std::size_t alive = 0;
  for (const auto& n : j["nodes"]) alive += n["alive"].get<bool>();
  std::cout << "Cluster at " << j["head_address"].get<std::string>() << ": " << j["nodes"].size()
            << " node(s), " << alive << " alive, " << j["nodes"].size() - alive << " dead\n\n";
  std::cout << std::left << std::setw(34) << "NODE ID" << std::setw(7) << "STATE" << std::setw(6) << "ROLE"
            << std::setw(18) << "ADDRESS" << std::setw(9) << "PID" << "RESOURCES (available / total)\n";
  for (const auto& n : j["nodes"]) {
    std::ostringstream res;
    bool first = true;
    for (const auto& [name, total] : n["resources_total"].items()) {
      double avail = n["resources_available"].contains(name) ? n["resources_available"][name].get<double>() : 0;
      res << (first ? "" : ", ") << name << " " << amount_text(name, avail) << " / "
          << amount_text(name, total.get<double>());
      first = false;
    }
    std::cout << std::setw(34) << n["node_id"].get<std::string>() << std::setw(7) << n["state"].get<std::string>()
              << std::setw(6) << (n["is_head"].get<bool>() ? "head" : "node") << std::setw(18)
              << n["address"].get<std::string>() << std::setw(9) << n["pid"].get<std::int64_t>() << res.str() << "\n";
    if (!n["alive"].get<bool>()) std::cout << "    dead: " << n["death_reason"].get<std::string>() << "\n";
  }
  std::cout << "\nResources of the alive nodes (used / total):\n";
  for (const auto& [name, total] : j["resources_total"].items())
    std::cout << "  " << std::setw(22) << name << amount_text(name, j["resources_used"][name].get<double>())
              << " / " << amount_text(name, total.get<double>()) << "\n";
}

}  // namespace

int run_status(const std::vector<std::string>& args) {
  parsed_flags f(args, status_flags);
  auto temp_dir = fs::absolute(f.text("temp-dir").value_or(default_temp_dir)).lexically_normal();

  net::address target;
  std::string target_text;
  std::optional<node_record> local_head;
  if (auto address = f.text("address")) {
    auto parsed = net::parse_address(*address);
    if (!parsed || parsed->type != net::address::kind::tcp)
      throw usage_error("--address '" + *address + "' is not HOST:PORT");
    target = *parsed;
    target_text = *address;
    local_head = find_local_head(temp_dir, target);
  } else {
    local_head = pick_local_head(temp_dir);
    target = *net::parse_address("unix:" + local_head->unix_socket);
    target_text = host_port(local_head->address) + " (through " + local_head->unix_socket + ")";
  }
  auto token = resolve_token(f, local_head, target_text);

  auto status = cluster::fetch_status(target, token.token, status_timeout);
  if (!status) {
    if (status.error().code == net::errc::auth_failed)
      std::cerr << "actors status: the head at " << target_text << " refused the cluster token from "
                << token.source << ": it is not this cluster's token\n";
    else
      std::cerr << "actors status: cannot get the status from the head at " << target_text << ": "
                << to_string(status.error()) << "\n";
    return 1;
  }
  auto j = to_json(*status);
  if (f.has("json"))
    std::cout << j.dump(2) << "\n";
  else
    print_table(j);
  return 0;
}

}  // namespace actors::cli
