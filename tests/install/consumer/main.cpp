// The smallest user program: one remote call through the installed package. Exit code 0
// means the call came back with the right value.
#include <actors/actors.hpp>

int add(int a, int b) { return a + b; }
ACTORS_REMOTE(add)

int main() {
  actors::init();
  auto r = actors::task(add).remote(1, 2);
  int v = actors::get(r);
  actors::shutdown();
  return v == 3 ? 0 : 1;
}
