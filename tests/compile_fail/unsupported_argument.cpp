// Expected NOT to compile: a task parameter of a struct that was never declared serializable.
// The error must name the type (checked by the test's regular expression).
#include <actors/actors.hpp>

struct undeclared_payload {
  int x = 0;
};

int consume(undeclared_payload p) { return p.x; }
ACTORS_REMOTE(consume)

int main() {
  actors::init();
  auto r = actors::task(consume).remote(undeclared_payload{});
  return actors::get(r);
}
