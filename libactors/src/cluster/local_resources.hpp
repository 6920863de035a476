#pragma once
/// local_resources: what this machine offers the cluster, from detection and the user's flags
/// (`--num-cpus`, `--num-gpus`, `--object-store-memory`, `--resources`), named as Ray names
/// them: "CPU", "GPU", "memory" and "object_store_memory" in bytes, plus custom names.
///
///     resource_flags f;  f.cpus = 2;  f.custom = {{"custom", 1}};
///     auto r = local_resources(f);   // {"CPU": 2, "custom": 1, "memory": ..., ...}
///
/// Plain functions; safe from any thread.
#include "cluster/protocol.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actors::cluster {

struct resource_flags {
  std::optional<double> cpus;                          // default: the hardware threads
  std::optional<double> gpus;                          // default: detected GPUs
  std::optional<std::uint64_t> object_store_memory;    // default: 30 % of physical memory
  resource_map custom;
};

/// Parses `--resources`: a JSON object of names to non-negative numbers. The names of the
/// built-in resources are refused there, with the flag to use instead.
net::result<resource_map> parse_custom_resources(const std::string& json_text);

/// The device ids behind `gpus` GPUs: those $CUDA_VISIBLE_DEVICES names when it names enough
/// (the node was itself given a subset), else "0", "1", ... — what workers' CUDA_VISIBLE_DEVICES
/// are made of.
std::vector<std::string> gpu_device_ids(double gpus);

/// The node's total resources. errc::invalid_argument for a negative amount or an object
/// store larger than the machine's memory.
net::result<resource_map> local_resources(const resource_flags& flags);

}  // namespace actors::cluster
