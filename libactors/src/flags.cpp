#include "flags.hpp"

#include <actors/error.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <string_view>

namespace actors::detail {
namespace {

double parse_number(std::string_view flag, const std::string& value) {
  try {
    std::size_t used = 0;
    double d = std::stod(value, &used);
    if (used == value.size() && d >= 0) return d;
  } catch (const std::exception&) {
  }
  throw error("actors: --actors-" + std::string(flag) + " expects a non-negative number, got '" + value + "'");
}

std::map<std::string, double> parse_resources(const std::string& value) {
  try {
    std::map<std::string, double> out;
    for (const auto& [name, amount] : nlohmann::json::parse(value).items()) out[name] = amount.get<double>();
    return out;
  } catch (const std::exception& e) {
    throw error("actors: --actors-resources expects a JSON object of numbers like {\"GPU\": 1}: " +
                std::string(e.what()));
  }
}

void apply(config& cfg, std::string_view name, const std::string& value) {
  if (name == "address") cfg.address = value;
  else if (name == "num-cpus") cfg.num_cpus = parse_number(name, value);
  else if (name == "num-gpus") cfg.num_gpus = parse_number(name, value);
  else if (name == "resources") cfg.resources = parse_resources(value);
  else if (name == "object-store-memory") cfg.object_store_memory = static_cast<std::uint64_t>(parse_number(name, value));
  else if (name == "namespace") cfg.ns = value;
  else if (name == "token") cfg.token = value;
  else
    throw error("actors: unknown flag --actors-" + std::string(name) +
                " (known: address, num-cpus, num-gpus, resources, object-store-memory, namespace, token)");
}

}  // namespace

void apply_flags(config& cfg, int& argc, char** argv) {
  constexpr std::string_view prefix = "--actors-";
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, prefix.size()) != prefix) {
      argv[out++] = argv[i];
      continue;
    }
    arg.remove_prefix(prefix.size());
    auto eq = arg.find('=');
    if (eq != std::string_view::npos) {
      apply(cfg, arg.substr(0, eq), std::string(arg.substr(eq + 1)));
    } else {
      if (i + 1 >= argc) throw error("actors: --actors-" + std::string(arg) + " needs a value");
      apply(cfg, arg, argv[++i]);
    }
  }
  argc = out;
  argv[argc] = nullptr;
}

}  // namespace actors::detail
