// 08_hyperparameter_search: grid search over ridge regression's lambda by 5-fold cross-validation,
// one task per (lambda, fold); the dataset is put once and every task is passed its object_ref.
#include <actors/actors.hpp>

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <numeric>
#include <random>
#include <vector>

// n samples of p features (row-major) and their targets.
struct dataset {
  int n = 0, p = 0;
  std::vector<double> x, y;
};
ACTORS_SERIALIZABLE(dataset, n, p, x, y)

constexpr int k_folds = 5;

// y = X·w + noise with w = (0.5, 1.0, 1.5, ...), from a fixed seed: the same data on every run.
dataset make_dataset(int n, int p) {
  std::mt19937 rng(42);
  std::normal_distribution<double> normal(0.0, 1.0);
  dataset d{n, p, {}, {}};
  for (int i = 0; i < n; ++i) {
    double target = 0;
    for (int j = 0; j < p; ++j) {
      d.x.push_back(normal(rng));
      target += 0.5 * (j + 1) * d.x.back();
    }
    d.y.push_back(target + 3.0 * normal(rng));
  }
  return d;
}

// Ridge on the rows outside `fold`: solves (XᵀX + λI) w = Xᵀy by Gaussian elimination
// (the matrix is symmetric positive definite, so no pivoting is needed).
std::vector<double> fit_ridge(const dataset& d, int fold, double lambda) {
  const int p = d.p;
  std::vector<double> a(p * p), w(p);
  for (int i = 0; i < d.n; ++i) {
    if (i % k_folds == fold) continue;
    for (int r = 0; r < p; ++r) {
      w[r] += d.x[i * p + r] * d.y[i];
      for (int c = 0; c < p; ++c) a[r * p + c] += d.x[i * p + r] * d.x[i * p + c];
    }
  }
  for (int r = 0; r < p; ++r) a[r * p + r] += lambda;
  for (int j = 0; j < p; ++j)  // eliminate below the diagonal
    for (int i = j + 1; i < p; ++i) {
      double f = a[i * p + j] / a[j * p + j];
      for (int c = j; c < p; ++c) a[i * p + c] -= f * a[j * p + c];
      w[i] -= f * w[j];
    }
  for (int i = p - 1; i >= 0; --i) {  // back substitution
    for (int c = i + 1; c < p; ++c) w[i] -= a[i * p + c] * w[c];
    w[i] /= a[i * p + i];
  }
  return w;
}

// The task: fit without `fold`, return the mean squared error on `fold`.
double fold_error(const dataset& d, double lambda, int fold) {
  std::vector<double> w = fit_ridge(d, fold, lambda);
  double sum = 0;
  int count = 0;
  for (int i = fold; i < d.n; i += k_folds, ++count) {
    double predicted = 0;
    for (int j = 0; j < d.p; ++j) predicted += d.x[i * d.p + j] * w[j];
    sum += (predicted - d.y[i]) * (predicted - d.y[i]);
  }
  return sum / count;
}
ACTORS_REMOTE(fold_error)

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

int main(int argc, char** argv) {
  actors::init(argc, argv);
  const std::vector<double> grid{0.01, 0.1, 1, 3, 10, 30, 100, 300};

  // Build the data here and put it once: all 40 tasks read that one stored object.
  dataset data = make_dataset(200, 5);
  actors::object_ref<dataset> stored = actors::put(data);

  // One task per (lambda, fold), all submitted before any result is awaited.
  std::vector<std::vector<actors::object_ref<double>>> errors(grid.size());
  for (std::size_t g = 0; g < grid.size(); ++g)
    for (int fold = 0; fold < k_folds; ++fold)
      errors[g].push_back(actors::task(fold_error).remote(stored, grid[g], fold));

  // Score per lambda from the tasks, and the same search run sequentially in this process.
  std::vector<double> remote, local;
  for (std::size_t g = 0; g < grid.size(); ++g) {
    remote.push_back(mean(actors::get(errors[g])));
    std::vector<double> e;
    for (int fold = 0; fold < k_folds; ++fold) e.push_back(fold_error(data, grid[g], fold));
    local.push_back(mean(e));
    std::cout << "lambda " << grid[g] << "\tcv mse " << remote.back() << '\n';
  }

  // The best lambda and every score must be exactly those of the sequential search.
  auto best = std::min_element(remote.begin(), remote.end()) - remote.begin();
  auto best_local = std::min_element(local.begin(), local.end()) - local.begin();
  std::cout << "best lambda " << grid[best] << " (cv mse " << remote[best] << ")\n";
  bool ok = best == best_local && remote == local;
  actors::shutdown();
  if (!ok) std::cerr << "08_hyperparameter_search: differs from the sequential search\n";
  return ok ? 0 : 1;
}
