// 01_hello_task: a registered function runs as a remote task; get() returns its result.
#include <actors/actors.hpp>

#include <iostream>
#include <string>

// Plain functions: nothing about them is remote until they are registered.
std::string greet(std::string name) { return "hello, " + name; }
int add(int a, int b) { return a + b; }

// Registration makes them callable as tasks, here and in worker processes.
ACTORS_REMOTE(greet, add)

int main(int argc, char** argv) {
  // Embedded runtime by default; --actors-address=host:port joins a cluster instead.
  actors::init(argc, argv);

  // remote() returns at once with a future for the result, an object_ref.
  actors::object_ref<std::string> greeting = actors::task(greet).remote("world");
  actors::object_ref<int> sum = actors::task(add).remote(1, 2);

  // get() blocks until the task has run and returns a copy of its result.
  std::string text = actors::get(greeting);
  int three = actors::get(sum);
  std::cout << text << "\n1 + 2 = " << three << '\n';

  // Check the results, then stop the runtime.
  bool ok = text == "hello, world" && three == 3;
  actors::shutdown();
  if (!ok) std::cerr << "01_hello_task: wrong result\n";
  return ok ? 0 : 1;
}
