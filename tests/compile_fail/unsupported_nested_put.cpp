// Expected NOT to compile: put of a container whose innermost element type cannot cross. The
// error must name that innermost type, not just the container.
#include <actors/actors.hpp>

#include <list>

struct opaque_handle {
  void* p = nullptr;
};

int main() {
  actors::init();
  std::vector<std::map<int, opaque_handle>> v;
  auto r = actors::put(v);
  return r ? 0 : 1;
}
