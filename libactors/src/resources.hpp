#pragma once
// Resource amounts as fixed-point integers (1/10000 of a unit), so that fractional requests
// such as 0.5 add up and give back exactly, with no floating-point drift.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace actors::detail {

using amount = std::int64_t;
inline constexpr amount amount_unit = 10000;

amount to_amount(double units);
double to_units(amount a);

/// What one job needs: (resource index, amount) pairs sorted by index, amounts > 0.
using shape = std::vector<std::pair<std::uint32_t, amount>>;

/// Names of resources and their indices; index 0 is always "CPU", 1 "GPU", 2 "memory".
/// Not thread-safe: owned by the scheduler, used under its lock.
class resource_names {
 public:
  resource_names();
  std::uint32_t index_of(const std::string& name);
  const std::string& name_of(std::uint32_t index) const { return names_[index]; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(names_.size()); }

 private:
  std::vector<std::string> names_;
  std::map<std::string, std::uint32_t> indices_;
};

inline constexpr std::uint32_t cpu_index = 0, gpu_index = 1, memory_index = 2;

/// Total memory of this machine in bytes.
std::uint64_t physical_memory_bytes();

/// Number of GPUs: $CUDA_VISIBLE_DEVICES if set, else NVIDIA devices present.
int detect_gpus();

}  // namespace actors::detail
