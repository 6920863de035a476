// Expected NOT to compile: an argument that does not convert to the parameter type.
#include <actors/actors.hpp>

int twice(int x) { return 2 * x; }
ACTORS_REMOTE(twice)

int main() {
  actors::init();
  auto r = actors::task(twice).remote(std::string("not a number"));
  return actors::get(r);
}
