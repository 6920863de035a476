// head_start_s: how long `actors start --head` takes until the head serves (the command
// returns once its daemon is ready), the cost a user pays before the first cluster driver.
#include "metrics.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace actors_bench {
namespace {

namespace fs = std::filesystem;

/// The `actors` command: $ACTORS_CLI, else the one built beside this program.
std::string actors_cli() {
  if (const char* cli = std::getenv("ACTORS_CLI"); cli && *cli) return cli;
  std::error_code ec;
  auto beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / "actors";
  if (ec || !fs::exists(beside))
    throw std::runtime_error("the actors command is not beside actors-bench; set $ACTORS_CLI to it");
  return beside.string();
}

int run(const std::string& command) { return std::system(command.c_str()); }

}  // namespace

void head_start_s(context& ctx) {
  const auto cli = "'" + actors_cli() + "'";
  auto once = [&] {
    char pattern[] = "/tmp/acH_XXXXXX";  // short: Unix socket paths must fit in 107 bytes
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    std::string dir = pattern;
    auto start = std::chrono::steady_clock::now();
    int started = run(cli + " start --head --port 0 --num-cpus 1 --temp-dir " + dir + " >/dev/null 2>&1");
    auto ready = std::chrono::steady_clock::now();
    run(cli + " stop --temp-dir " + dir + " >/dev/null 2>&1");
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (started != 0) throw std::runtime_error("actors start --head failed (exit status " + std::to_string(started) + ")");
    return std::chrono::duration<double>(ready - start).count();
  };
  auto runs = ctx.repeat(ctx.pick(5, 3), once);
  ctx.emit(json_line("head_start_s", median(runs), "s"), runs);
}

}  // namespace actors_bench
