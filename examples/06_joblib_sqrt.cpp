// 06_joblib_sqrt: joblib's `Parallel(n_jobs=2)(delayed(sqrt)(i**2) for i in range(8))`
// -> [0.0, 1.0, ..., 7.0], written with tasks.
//
// actors::delayed and actors::parallel(n_jobs) are planned in API.md but do not exist yet; here
// n_jobs is kept by hand: before submitting another task, wait until fewer than n_jobs run.
#include <actors/actors.hpp>

#include <cmath>
#include <cstddef>
#include <iomanip>
#include <iostream>
#include <vector>

// std::sqrt is overloaded and not ours to register: a small wrapper is.
double root(double x) { return std::sqrt(x); }
ACTORS_REMOTE(root)

int main(int argc, char** argv) {
  actors::init(argc, argv);
  const std::size_t n_jobs = 2;

  std::vector<actors::object_ref<double>> results, running;
  for (int i = 0; i < 8; ++i) {
    // At most n_jobs in flight: when full, wait until one finishes and keep the others.
    if (running.size() == n_jobs) running = actors::wait(running, 1).unready;
    // delayed(sqrt)(i**2): submit the call.
    results.push_back(actors::task(root).remote(double(i * i)));
    running.push_back(results.back());
  }

  // Collect in submission order, as Parallel does.
  std::vector<double> roots = actors::get(results);
  std::cout << std::fixed << std::setprecision(1) << '[';
  for (std::size_t i = 0; i < roots.size(); ++i) std::cout << (i ? ", " : "") << roots[i];
  std::cout << "]\n";

  // The square root of a perfect square is exact in floating point.
  bool ok = roots.size() == 8;
  for (std::size_t i = 0; ok && i < roots.size(); ++i) ok = roots[i] == double(i);
  actors::shutdown();
  if (!ok) std::cerr << "06_joblib_sqrt: expected [0.0, 1.0, ..., 7.0]\n";
  return ok ? 0 : 1;
}
