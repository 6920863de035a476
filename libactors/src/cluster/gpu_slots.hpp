#pragma once
/// gpu_slots: which of a node's GPUs are free, by device id, so that a worker given GPUs sees
/// exactly those through CUDA_VISIBLE_DEVICES (docs/cluster.md, "GPUs"). A request of one GPU
/// or more takes that many whole devices (rounded up); a request below one takes that share of
/// a single device, which other fractional requests may share.
///
///     gpu_slots gpus({"0", "1"});
///     auto ids = gpus.take(1);          // {"0"}
///     gpus.take(0.5);                   // {"1"}; a second take(0.5) gets "1" again
///     gpus.give_back(*ids, 1);
///
/// Not thread-safe: the worker pool calls it under its mutex.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace actors::cluster {

class gpu_slots {
 public:
  explicit gpu_slots(std::vector<std::string> ids = {});

  /// The ids of `amount` GPUs, now taken; nullopt when they are not free. Empty for amount <= 0.
  std::optional<std::vector<std::string>> take(double amount);
  /// Takes exactly `ids` for `amount` (a worker started with them serves again); false if busy.
  bool take_these(const std::vector<std::string>& ids, double amount);
  bool can_take(double amount) const;
  void give_back(const std::vector<std::string>& ids, double amount);

  /// "0,1": the CUDA_VISIBLE_DEVICES value for `ids`.
  static std::string visible_devices(const std::vector<std::string>& ids);

 private:
  std::vector<std::string> order_;       // the node's device ids, in their order
  std::map<std::string, double> free_;   // id → the share of it still free (1 = all)
};

}  // namespace actors::cluster
