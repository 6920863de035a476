// 02_put_get_wait: put a value once, pass its ref to a task, wait for some of many tasks, get all.
#include <actors/actors.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <iostream>
#include <numeric>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int total(std::vector<int> xs) { return std::accumulate(xs.begin(), xs.end(), 0); }
int slow_square(int x, int delay_ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  return x * x;
}
ACTORS_REMOTE(total, slow_square)

int main(int argc, char** argv) {
  actors::init(argc, argv);
  // A wrong result is reported on stderr and makes main return non-zero.
  int failures = 0;
  auto check = [&](bool ok, const char* what) {
    if (ok) return;
    std::cerr << "02_put_get_wait: FAILED: " << what << '\n';
    ++failures;
  };

  // put stores a value in the object store and returns a ref to it.
  actors::object_ref<std::vector<int>> numbers = actors::put(std::vector{1, 2, 3, 4, 5, 6, 7, 8});
  // A ref passed where the task takes the value is resolved by the runtime before the call.
  int sum = actors::get(actors::task(total).remote(numbers));
  std::cout << "total of the stored vector: " << sum << '\n';
  check(sum == 36, "total(put(1..8)) == 36");

  // Four tasks: the first sleeps 2 s, the other three return at once.
  auto submitted = std::chrono::steady_clock::now();
  std::vector<actors::object_ref<int>> refs{actors::task(slow_square).remote(0, 2000)};
  for (int i = 1; i < 4; ++i) refs.push_back(actors::task(slow_square).remote(i, 0));

  // Wait for any two (at most 10 s): `ready` holds at most two, both lists keep input order.
  auto [ready, unready] = actors::wait(refs, 2, 10s);
  // Where each ref stands in `refs`: increasing means input order was kept.
  auto positions = [&](const std::vector<actors::object_ref<int>>& some) {
    std::vector<std::ptrdiff_t> at;
    for (const auto& r : some) at.push_back(std::find(refs.begin(), refs.end(), r) - refs.begin());
    return at;
  };
  auto ready_at = positions(ready), unready_at = positions(unready);
  std::cout << "ready after wait(refs, 2):";
  for (auto i : ready_at) std::cout << " refs[" << i << ']';
  std::cout << '\n';
  check(ready.size() == 2 && unready.size() == 2, "wait(refs, 2) splits 2 + 2");
  check(std::is_sorted(ready_at.begin(), ready_at.end()), "ready keeps input order");
  check(std::is_sorted(unready_at.begin(), unready_at.end()), "unready keeps input order");

  // A timeout never throws: wait returns with whatever is ready by then.
  auto some = actors::wait(refs, refs.size(), 50ms);
  std::cout << "ready after 50 ms: " << some.ready.size() << " of " << refs.size() << '\n';
  // The slow task cannot have finished before 2 s have passed since it was submitted.
  if (std::chrono::steady_clock::now() - submitted < 2s)
    check(!some.unready.empty() && some.unready.front() == refs[0], "the slow task is unready");

  // Batch get: every value, in the order of the refs.
  std::vector<int> squares = actors::get(refs);
  check(squares == std::vector<int>{0, 1, 4, 9}, "get(refs) == [0, 1, 4, 9]");

  actors::shutdown();
  return failures == 0 ? 0 : 1;
}
