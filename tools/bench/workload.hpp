#pragma once
/// The trivial remote work every metric submits: Ray's microbenchmark returns a tiny constant
/// from a task or an actor method, and so do these. Registered in workload.cpp.

namespace actors_bench {

/// A task that does nothing but return.
int small_value();

/// An actor whose method does nothing but return. Stateless, so safe under any concurrency.
struct bench_actor {
  static bench_actor create();
  int small_value() const;
};

}  // namespace actors_bench
