// actors-bench: the runtime's microbenchmarks, one JSON line per metric on standard output.
// See docs/benchmarks.md.
#include "metrics.hpp"

#include <actors/actors.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace actors_bench {
namespace {

struct metric {
  std::vector<std::string_view> names;  // the lines it prints
  void (*run)(context&);
};

// In the order they run. large_objects and tasks_queued_1m start a fresh runtime.
const std::vector<metric>& all_metrics() {
  static const std::vector<metric> table = {
      {{"single_client_tasks_sync"}, single_client_tasks_sync},
      {{"single_client_tasks_async"}, single_client_tasks_async},
      {{"multi_client_tasks_async"}, multi_client_tasks_async},
      {{"1_1_actor_calls_sync"}, actor_calls_1_1_sync},
      {{"1_1_actor_calls_async"}, actor_calls_1_1_async},
      {{"1_1_actor_calls_concurrent"}, actor_calls_1_1_concurrent},
      {{"1_n_actor_calls_async"}, actor_calls_1_n_async},
      {{"n_n_actor_calls_async"}, actor_calls_n_n_async},
      {{"single_client_put_calls"}, single_client_put_calls},
      {{"single_client_get_calls"}, single_client_get_calls},
      {{"single_client_wait_1k_refs"}, single_client_wait_1k_refs},
      {{"memcpy_gigabytes", "single_client_put_gigabytes", "single_client_get_gigabytes", "get_view_us",
        "other_process_get_gigabytes", "other_process_get_view_us"},
       large_objects},
      {{"get_view_small_us"}, get_view_small_us},
      {{"actors_created_per_s"}, actors_created_per_s},
      {{"tasks_queued_1m_s", "tasks_queued_1m_peak_rss_mb"}, tasks_queued_1m},
      {{"init_shutdown_s"}, init_shutdown_s},
      {{"head_start_s"}, head_start_s},
      {{"recovery_s"}, recovery_s},
      {{"recovery_hung_s"}, recovery_hung_s},
      {{"object_transfer_gigabytes", "raw_tcp_gigabytes", "object_transfer_vs_raw_tcp"}, object_transfer},
  };
  return table;
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: actors-bench [--quick] [--filter SUBSTR]... [--repeat N] [--address HOST:PORT] [--actors-*=...]\n"
               "Prints one JSON object per metric and line:\n"
               "  {\"metric\": ..., \"value\": ..., \"unit\": ..., \"mode\": \"embedded\", ...}\n"
               "  --quick          smaller sizes, 3 repeats (1 for the heavy metrics); under 20 s\n"
               "  --filter SUBSTR  only metrics whose name contains SUBSTR (may be repeated)\n"
               "  --repeat N       timed runs per metric, the median is printed (default 5, quick 3)\n"
               "  --list           print the metric names and exit\n"
               "  --address H:P    run against the cluster whose head is there (mode \"cluster\");\n"
               "                   the same as --actors-address or $ACTORS_ADDRESS\n"
               "  --actors-*       runtime flags (see actors::init), e.g. --actors-num-cpus=2\n"
               "Metrics:\n");
  for (const auto& m : all_metrics())
    for (auto name : m.names) std::fprintf(to, "  %.*s\n", int(name.size()), name.data());
}

/// "cluster" when the runtime is told to join one, as init() decides it.
std::string mode_of(const std::vector<std::string>& args) {
  std::string address;
  if (const char* env = std::getenv("ACTORS_ADDRESS")) address = env;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a.rfind("--actors-address=", 0) == 0) address = a.substr(17);
    else if (a == "--actors-address" && i + 1 < args.size()) address = args[i + 1];
  }
  return address.empty() || address == "local" ? "embedded" : "cluster";
}

/// Thrown by parse() to end the program with this exit code (after --help, --list or a bad
/// flag), once the runtime is shut down.
struct stop_early {
  int code;
};

/// Parses what init() left.
options parse(int argc, char** argv, std::vector<std::string> init_args) {
  options o;
  o.init_args = std::move(init_args);
  o.mode = mode_of(o.init_args);
  int repeat = 0;
  auto value_of = [&](int& i, std::string_view arg, std::string_view flag) -> std::string {
    if (arg.size() > flag.size() && arg[flag.size()] == '=') return std::string(arg.substr(flag.size() + 1));
    if (i + 1 >= argc) {
      std::fprintf(stderr, "actors-bench: %.*s needs a value\n", int(flag.size()), flag.data());
      throw stop_early{2};
    }
    return argv[++i];
  };
  auto is = [](std::string_view arg, std::string_view flag) {
    return arg == flag || (arg.rfind(flag, 0) == 0 && arg.size() > flag.size() && arg[flag.size()] == '=');
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      throw stop_early{0};
    } else if (arg == "--list") {
      for (const auto& m : all_metrics())
        for (auto name : m.names) std::printf("%.*s\n", int(name.size()), name.data());
      throw stop_early{0};
    } else if (arg == "--quick") {
      o.quick = true;
    } else if (is(arg, "--filter")) {
      o.filters.push_back(value_of(i, arg, "--filter"));
    } else if (is(arg, "--repeat")) {
      auto text = value_of(i, arg, "--repeat");
      char* end = nullptr;
      long n = std::strtol(text.c_str(), &end, 10);
      if (*end != '\0' || n < 1 || n > 1000) {
        std::fprintf(stderr, "actors-bench: --repeat expects a number from 1 to 1000, got '%s'\n", text.c_str());
        throw stop_early{2};
      }
      repeat = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "actors-bench: unknown argument '%s'\n\n", argv[i]);
      usage(stderr);
      throw stop_early{2};
    }
  }
  o.repeat = repeat ? repeat : (o.quick ? 3 : 5);
  o.repeat_given = repeat != 0;
  return o;
}

}  // namespace
}  // namespace actors_bench

/// `--address X` / `--address=X` is the benchmark's spelling of the runtime's --actors-address.
static std::vector<std::string> with_runtime_address_flag(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind("--address=", 0) == 0) {
      args[i] = "--actors-address=" + args[i].substr(10);
    } else if (args[i] == "--address" && i + 1 < args.size()) {
      args[i] = "--actors-address=" + args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  }
  return args;
}

int main(int raw_argc, char** raw_argv) {
  using namespace actors_bench;
  auto arg_strings = with_runtime_address_flag(raw_argc, raw_argv);
  std::vector<char*> arg_pointers;
  for (auto& a : arg_strings) arg_pointers.push_back(a.data());
  arg_pointers.push_back(nullptr);
  int argc = static_cast<int>(arg_strings.size());
  char** argv = arg_pointers.data();
  std::vector<std::string> init_args(argv, argv + argc);
  try {
    // First, so that --actors-* flags work and a worker started from this binary serves tasks.
    actors::init(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actors-bench: init failed: %s\n", e.what());
    return 1;
  }
  options opts;
  try {
    opts = parse(argc, argv, std::move(init_args));
  } catch (const stop_early& stop) {
    actors::shutdown();
    return stop.code;
  }
  context ctx(std::move(opts));

  auto start = clock::now();
  int failed = 0;
  for (const auto& m : all_metrics()) {
    bool wanted = false;
    for (auto name : m.names) wanted = wanted || ctx.wants(name);
    if (!wanted) continue;
    try {
      m.run(ctx);
    } catch (const std::exception& e) {
      // A failing metric is reported as null and the run goes on.
      ++failed;
      std::fprintf(stderr, "actors-bench: %.*s failed: %s\n", int(m.names[0].size()), m.names[0].data(), e.what());
      for (auto name : m.names)
        if (!ctx.emitted(name)) ctx.emit(json_line(std::string(name), NAN, "").add("error", e.what()));
      if (!actors::is_initialized()) ctx.init_again();
    }
  }
  actors::shutdown();
  std::fprintf(stderr, "actors-bench: done in %.1f s%s\n", seconds_since(start),
               failed ? " (some metrics failed, see above)" : "");
  return failed ? 1 : 0;
}
