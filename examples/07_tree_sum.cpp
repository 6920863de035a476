// 07_tree_sum: map-reduce as a tree of tasks; refs flow from task to task without a get between.
#include <actors/actors.hpp>

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <numeric>
#include <utility>
#include <vector>

// Leaves: sum one chunk of the input.
std::int64_t sum_chunk(std::vector<std::int64_t> chunk) {
  return std::accumulate(chunk.begin(), chunk.end(), std::int64_t{0});
}
// Inner nodes: add two partial sums.
std::int64_t add(std::int64_t a, std::int64_t b) { return a + b; }
ACTORS_REMOTE(sum_chunk, add)

int main(int argc, char** argv) {
  actors::init(argc, argv);

  // The input: 1, 2, ..., 1024.
  std::vector<std::int64_t> numbers(1024);
  std::iota(numbers.begin(), numbers.end(), std::int64_t{1});

  // Map: one leaf task per chunk of 64 numbers (16 leaves).
  const std::size_t chunk = 64;
  std::vector<actors::object_ref<std::int64_t>> level;
  for (std::size_t i = 0; i < numbers.size(); i += chunk)
    level.push_back(actors::task(sum_chunk).remote(
        std::vector<std::int64_t>(numbers.begin() + i, numbers.begin() + i + chunk)));
  std::size_t tasks = level.size();

  // Reduce pairwise: add() takes values, so the runtime waits for both refs and passes the values.
  while (level.size() > 1) {
    std::vector<actors::object_ref<std::int64_t>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(actors::task(add).remote(level[i], level[i + 1]));
    // An odd one out moves up a level unchanged.
    if (level.size() % 2 == 1) next.push_back(level.back());
    tasks += level.size() / 2;  // one add per pair
    level = std::move(next);
  }

  // Only the root is fetched; every partial sum stayed in the runtime.
  std::int64_t total = actors::get(level.front());
  std::cout << "sum of 1..1024 = " << total << " (" << tasks << " tasks)\n";

  // Check against the formula n(n + 1) / 2 and a plain sequential sum.
  bool ok = total == 1024 * 1025 / 2 &&
            total == std::accumulate(numbers.begin(), numbers.end(), std::int64_t{0});
  actors::shutdown();
  if (!ok) std::cerr << "07_tree_sum: expected 524800\n";
  return ok ? 0 : 1;
}
