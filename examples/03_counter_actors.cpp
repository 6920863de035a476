// 03_counter_actors: stateful actors; each keeps its own count, calls run in submission order.
#include <actors/actors.hpp>

#include <iostream>
#include <vector>

// An ordinary class; the actor is an instance of it living in the runtime.
class counter {
 public:
  static counter create(int start) { return counter(start); }
  int increment() { return ++value_; }
  int read() const { return value_; }

 private:
  explicit counter(int start) : value_(start) {}
  int value_;
};

// Register the factory and the methods callers may invoke remotely.
ACTORS_REMOTE(counter::create, &counter::increment, &counter::read)

int main(int argc, char** argv) {
  actors::init(argc, argv);

  // Start four counter actors, each from 0.
  std::vector<actors::actor_handle<counter>> counters;
  for (int i = 0; i < 4; ++i) counters.push_back(actors::actor(counter::create).remote(0));

  // Increment each once; the results are not needed, dropping them cancels nothing.
  for (const auto& c : counters) c.task(&counter::increment).remote();

  // Read each: one caller's calls to one actor run in order, so every read sees its increment.
  std::vector<actors::object_ref<int>> reads;
  for (const auto& c : counters) reads.push_back(c.task(&counter::read).remote());
  std::vector<int> values = actors::get(reads);

  // Print like Python's list: [1, 1, 1, 1].
  std::cout << '[';
  for (std::size_t i = 0; i < values.size(); ++i) std::cout << (i ? ", " : "") << values[i];
  std::cout << "]\n";

  bool ok = values == std::vector<int>{1, 1, 1, 1};
  actors::shutdown();
  if (!ok) std::cerr << "03_counter_actors: expected [1, 1, 1, 1]\n";
  return ok ? 0 : 1;
}
