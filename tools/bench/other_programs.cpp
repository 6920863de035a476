// Metrics measured by running the project's other programs, found beside this one:
//   head_start_s       how long `actors start --head` takes until the head serves (the command
//                      returns once its daemon is ready), the cost a user pays before the first
//                      cluster driver;
//   object_transfer_*  actors-transfer-bench: one object pulled from another node's store into
//                      this one's, beside a raw TCP transfer of the same size between the same
//                      two processes in the same run (docs/object_transfer.md).
#include "metrics.hpp"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace actors_bench {
namespace {

namespace fs = std::filesystem;

/// The program `name` of this build: $`env`, else the one built beside this program.
std::string beside_this_program(const std::string& name, const char* env) {
  if (const char* set = std::getenv(env); set && *set) return set;
  std::error_code ec;
  auto beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / name;
  if (ec || !fs::exists(beside))
    throw std::runtime_error(name + " is not beside actors-bench; set $" + env + " to it");
  return beside.string();
}

int run(const std::string& command) { return std::system(command.c_str()); }

/// One JSON line of another benchmark program, read back: what emit() needs to print it again.
struct relayed {
  std::string metric, unit;
  double value = 0;
  std::vector<double> runs;
};

std::optional<relayed> parse_line(const std::string& line) {
  static const std::regex fields(R"re("metric": "([^"]+)", "value": ([-0-9.e+]+|null), "unit": "([^"]*)")re");
  static const std::regex runs(R"re("runs": \[([^\]]*)\])re");
  std::smatch m;
  if (!std::regex_search(line, m, fields)) return std::nullopt;
  relayed r{.metric = m[1], .unit = m[3], .value = m[2] == "null" ? std::nan("") : std::stod(m[2])};
  if (std::regex_search(line, m, runs)) {
    std::string list = m[1];
    for (std::size_t at = 0; at < list.size();) {
      auto comma = list.find(',', at);
      r.runs.push_back(std::stod(list.substr(at, comma - at)));
      at = comma == std::string::npos ? list.size() : comma + 1;
    }
  }
  return r;
}

}  // namespace

void head_start_s(context& ctx) {
  const auto cli = "'" + beside_this_program("actors", "ACTORS_CLI") + "'";
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

void object_transfer(context& ctx) {
  // 1 GiB per transfer (quick: 64 MiB), its own warm-up and repeats; always between two
  // processes with stores of their own, whatever this run's mode.
  auto command = "'" + beside_this_program("actors-transfer-bench", "ACTORS_TRANSFER_BENCH") + "'" +
                 (ctx.quick() ? " --quick" : "") + " --repeat " + std::to_string(ctx.heavy_repeats());
  FILE* out = ::popen(command.c_str(), "r");
  if (!out) throw std::runtime_error("cannot run " + command);
  std::string text;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, out)) text += buf;
  int status = ::pclose(out);
  if (status != 0) throw std::runtime_error(command + " failed (status " + std::to_string(status) + ")");
  std::size_t relayed_lines = 0;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    auto line = parse_line(text.substr(at, end - at));
    at = end == std::string::npos ? text.size() : end + 1;
    if (!line) continue;
    ctx.emit(json_line(line->metric, line->value, line->unit).add("between", "two processes with node stores"),
             line->runs);
    ++relayed_lines;
  }
  if (relayed_lines == 0) throw std::runtime_error(command + " printed no metric");
}

}  // namespace actors_bench
