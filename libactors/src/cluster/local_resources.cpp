#include "cluster/local_resources.hpp"

#include "resources.hpp"  // libactors' detection, shared through actors_resources

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace actors::cluster {

namespace {

// Ray's default share of memory for the object store: enough for large objects, leaving most
// of the machine to the tasks.
constexpr double default_object_store_share = 0.3;

}  // namespace

net::result<resource_map> parse_custom_resources(const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    return net::fail(net::errc::invalid_argument, "--resources is not valid JSON: " + std::string(e.what()));
  }
  if (!j.is_object())
    return net::fail(net::errc::invalid_argument,
                     "--resources must be a JSON object of names to amounts, such as '{\"custom\": 1}'");
  resource_map out;
  for (const auto& [name, value] : j.items()) {
    if (name == "CPU" || name == "GPU" || name == "memory" || name == "object_store_memory")
      return net::fail(net::errc::invalid_argument,
                       "--resources cannot set '" + name + "'; use --num-cpus, --num-gpus or --object-store-memory");
    if (name.empty()) return net::fail(net::errc::invalid_argument, "--resources has an empty resource name");
    if (!value.is_number())
      return net::fail(net::errc::invalid_argument, "--resources: '" + name + "' must be a number, not " + value.dump());
    double amount = value.get<double>();
    if (!std::isfinite(amount) || amount < 0)
      return net::fail(net::errc::invalid_argument, "--resources: '" + name + "' must be >= 0");
    out[name] = amount;
  }
  return out;
}

net::result<resource_map> local_resources(const resource_flags& flags) {
  resource_map r = flags.custom;
  double cpus = flags.cpus ? *flags.cpus : std::max(1u, std::thread::hardware_concurrency());
  double gpus = flags.gpus ? *flags.gpus : detail::detect_gpus();
  if (!std::isfinite(cpus) || cpus < 0) return net::fail(net::errc::invalid_argument, "--num-cpus must be >= 0");
  if (!std::isfinite(gpus) || gpus < 0) return net::fail(net::errc::invalid_argument, "--num-gpus must be >= 0");
  auto physical = detail::physical_memory_bytes();
  auto store = flags.object_store_memory
                   ? *flags.object_store_memory
                   : static_cast<std::uint64_t>(static_cast<double>(physical) * default_object_store_share);
  if (physical != 0 && store > physical)
    return net::fail(net::errc::invalid_argument,
                     "--object-store-memory " + std::to_string(store) + " is more than this machine's memory (" +
                         std::to_string(physical) + " bytes)");
  r["CPU"] = cpus;
  if (gpus > 0) r["GPU"] = gpus;
  r["object_store_memory"] = static_cast<double>(store);
  // What tasks may use is what the object store leaves.
  r["memory"] = static_cast<double>(physical > store ? physical - store : 0);
  return r;
}

std::vector<std::string> gpu_device_ids(double gpus) {
  const auto count = static_cast<std::size_t>(std::ceil(std::max(0.0, gpus)));
  std::vector<std::string> visible;
  if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES")) {
    std::string list(v), id;
    std::istringstream in(list);
    while (std::getline(in, id, ','))
      if (!id.empty()) visible.push_back(id);
  }
  if (visible.size() >= count) {
    visible.resize(count);
    return visible;
  }
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(std::to_string(i));
  return ids;
}

}  // namespace actors::cluster
