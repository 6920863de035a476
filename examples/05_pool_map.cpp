// 05_pool_map: Python's `Pool(3).map(square, [1, 2, 3])` -> [1, 4, 9], written with tasks.
//
// actors::pool (multiprocessing.Pool on the cluster: `actors::pool p(3); p.map(square, items)`)
// is planned in API.md but does not exist yet; map is one task per item, then a batch get.
#include <actors/actors.hpp>

#include <iostream>
#include <vector>

int square(int x) { return x * x; }
ACTORS_REMOTE(square)

// map(f, items): submit one task per item, then get every result in item order.
template <class F, class T>
auto map(F f, const std::vector<T>& items) {
  std::vector<actors::object_ref<decltype(f(items.front()))>> refs;
  for (const T& item : items) refs.push_back(actors::task(f).remote(item));
  return actors::get(refs);
}

int main(int argc, char** argv) {
  actors::init(argc, argv);

  // The tasks run in parallel, as many at once as the node has CPUs (Pool(3) would cap it at 3).
  std::vector<int> squares = map(square, std::vector<int>{1, 2, 3});

  // Print like Python: [1, 4, 9].
  std::cout << '[';
  for (std::size_t i = 0; i < squares.size(); ++i) std::cout << (i ? ", " : "") << squares[i];
  std::cout << "]\n";

  bool ok = squares == std::vector<int>{1, 4, 9};
  actors::shutdown();
  if (!ok) std::cerr << "05_pool_map: expected [1, 4, 9]\n";
  return ok ? 0 : 1;
}
