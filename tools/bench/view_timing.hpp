#pragma once
/// Timing of get_view alone, shared by get_view_us (large array) and get_view_small_us (1 MB),
/// so that the two figures are measured the same way and can be compared.

#include "bench.hpp"

#include <actors/actors.hpp>

namespace actors_bench {

struct view_timing {
  std::vector<double> runs;  // per repeat: the median of 1,001 timed calls, in µs
  double mean_us = 0;        // 100,000 calls timed together: no clock reading in the loop
};

/// The view is dropped outside the timed part: only obtaining it is measured.
inline view_timing time_get_view(const context& ctx, const actors::object_ref<std::vector<double>>& ref) {
  constexpr int calls = 1001, batch = 100000;
  view_timing out;
  out.runs = ctx.repeat(ctx.repeats(), [&] {
    std::vector<double> us(calls);
    for (auto& u : us) {
      auto start = clock::now();
      auto view = actors::get_view(ref);
      u = seconds_since(start) * 1e6;
      keep(view.data());
    }
    return median(us);
  });
  out.mean_us = time_once([&] {
                  for (int i = 0; i < batch; ++i) keep(actors::get_view(ref).data());
                }) / batch * 1e6;
  return out;
}

}  // namespace actors_bench
