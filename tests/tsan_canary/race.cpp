// A deliberate data race: two threads increment a plain int with no synchronisation. Under
// ThreadSanitizer this must be reported; see tests/tsan_canary/CMakeLists.txt.
#include <cstdio>
#include <thread>

namespace {
int counter = 0;  // deliberately not atomic and not guarded

void bump() {
  for (int i = 0; i < 100000; ++i) ++counter;
}
}  // namespace

int main() {
  std::thread a(bump);
  std::thread b(bump);
  a.join();
  b.join();
  std::printf("counter = %d\n", counter);
  return 0;
}
