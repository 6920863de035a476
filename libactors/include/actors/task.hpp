#pragma once
/// Remote tasks:
///
///     object_ref<int> r = actors::task(add).remote(1, 2);
///     object_ref<int> s = actors::task(add).set_resources({{"CPU", 2}}).remote(r, 10);
///
/// A builder is a short-lived value used on one thread; remote() may be called more than once.

#include <actors/detail/invoke.hpp>
#include <actors/registry.hpp>

namespace actors {

template <class F>
class task_builder {
 public:
  explicit task_builder(F f) : f_(f), name_(&detail::registered_name(f)) {}

  /// A display name for traces and errors.
  task_builder& set_name(std::string name) {
    options_.name = std::move(name);
    return *this;
  }
  /// Resources the task holds while it runs; default {{"CPU", 1}}.
  task_builder& set_resources(std::map<std::string, double> resources) {
    options_.resources = std::move(resources);
    return *this;
  }
  /// How often the task is re-run when its worker dies; -1 = unlimited; default 3.
  task_builder& set_max_retries(int n) {
    options_.max_retries = n;
    return *this;
  }
  /// Whether an exception thrown by user code is retried too; default false.
  task_builder& set_retry_exceptions(bool retry) {
    options_.retry_exceptions = retry;
    return *this;
  }

  /// Submits the task; object_ref arguments for value parameters are resolved first.
  template <class... Args>
  auto remote(Args&&... args) {
    auto [job, ref] = detail::make_call<void>(f_, *name_, std::forward<Args>(args)...);
    // Embedded workers are threads of this process and cannot die on their own, so only
    // exceptions can use up retries here.
    if (options_.retry_exceptions) job->set_exception_retries(options_.max_retries);
    auto deps = detail::dependency_list(job->slots());
    detail::submit_task(std::move(job), options_, deps);
    return ref;
  }

 private:
  F f_;
  const std::string* name_;
  detail::task_options options_;
};

/// Starts building a task of a registered free or static function.
template <class F>
  requires std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>
task_builder<F> task(F f) {
  return task_builder<F>(f);
}

}  // namespace actors
