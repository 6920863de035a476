// Harness self-check: must fail to compile with the message below (see CMakeLists.txt).
#include <type_traits>

template <class T>
void reject() {
  static_assert(!std::is_same_v<T, T>, "actors: harness sample");
}

int main() { reject<int>(); }
