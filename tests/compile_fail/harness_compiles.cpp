// Harness self-check: valid code using the public header, so it must compile (see
// CMakeLists.txt: the test is inverted with WILL_FAIL).
#include <actors/actors.hpp>

int twice(int x) { return 2 * x; }
ACTORS_REMOTE(twice)

int main() { return actors::get(actors::task(twice).remote(21)) == 42 ? 0 : 1; }
