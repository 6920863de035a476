#include "resources.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace actors::detail {

amount to_amount(double units) { return static_cast<amount>(std::llround(units * amount_unit)); }
double to_units(amount a) { return static_cast<double>(a) / amount_unit; }

resource_names::resource_names() {
  for (const char* n : {"CPU", "GPU", "memory"}) index_of(n);
}

std::uint32_t resource_names::index_of(const std::string& name) {
  auto [it, inserted] = indices_.emplace(name, static_cast<std::uint32_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

std::uint64_t physical_memory_bytes() {
  auto pages = sysconf(_SC_PHYS_PAGES);
  auto page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

int detect_gpus() {
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    std::string_view v(visible);
    if (v.empty() || v == "NoDevFiles" || v == "-1") return 0;
    int n = 1;
    for (char c : v) n += c == ',';
    return n;
  }
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    auto name = entry.path().filename().string();
    if (name.size() > 6 && name.compare(0, 6, "nvidia") == 0 &&
        name.find_first_not_of("0123456789", 6) == std::string::npos)
      ++n;
  }
  return n;
}

}  // namespace actors::detail
