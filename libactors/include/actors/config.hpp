#pragma once
/// Starting and stopping the runtime, and what the cluster looks like.
///
///     actors::init({.num_cpus = 4});
///     auto free_cpus = actors::available_resources()["CPU"];
///     actors::shutdown();
///
/// init/shutdown are called from the program's main thread; the introspection functions are
/// safe from any thread while the runtime runs.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace actors {

// Every field has a default member initialiser, so that designated initialisers such as
// init({.num_cpus = 4}) compile without -Wmissing-field-initializers warnings.
struct config {
  std::string address{};                   // "" = $ACTORS_ADDRESS if set, else embedded; "local" = embedded
  std::optional<double> num_cpus{};        // embedded node: default = hardware threads
  std::optional<double> num_gpus{};        // embedded node: default = detected GPUs
  std::map<std::string, double> resources{};  // embedded node: extra custom resources
  std::uint64_t object_store_memory = 0;   // bytes; 0 = 30% of RAM
  std::string ns{};                        // namespace for named actors ("" = "default")
  std::string token{};                     // cluster token; "" = $ACTORS_TOKEN or the local token file
};

void init(const config& cfg = {});
/// Reads --actors-* flags (and removes them from argv).
void init(int& argc, char** argv);
/// Both; flags override cfg.
void init(const config& cfg, int& argc, char** argv);
bool is_initialized();
/// Cancels pending work, ends actors, frees objects; returns promptly.
void shutdown();

struct node_info {
  std::string id;
  std::string address;
  bool alive = false;
  std::map<std::string, double> resources;
};

std::vector<node_info> nodes();
/// Total resources of all live nodes.
std::map<std::string, double> cluster_resources();
/// Free now: every key of cluster_resources(), 0 where none is free.
std::map<std::string, double> available_resources();

}  // namespace actors
