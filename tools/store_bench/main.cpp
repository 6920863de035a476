// actors-store-bench: the object store's own figures (spill, restore, cross-process reads,
// chunk assembly), one JSON line per metric, mode "store". It links actors::object_store only.
// object_store/README.md quotes its numbers on the project's machines.
#include "store_bench.hpp"

#include "../bench/json_line.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace store_bench {

void emit(const options& o, const std::string& metric, const std::vector<double>& runs, const std::string& unit,
          const std::string& note) {
  if (!wants(o, metric) || runs.empty()) return;
  auto sorted = runs;
  std::sort(sorted.begin(), sorted.end());
  const auto n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  actors_bench::json_line line(metric, median, unit);
  line.add("repeats", static_cast<int>(n)).add("runs", runs);
  if (!note.empty()) line.add("note", note);
  std::printf("%s\n", line.str("store").c_str());
  std::fflush(stdout);
}

bool wants(const options& o, const std::string& metric) {
  if (o.filters.empty()) return true;
  return std::any_of(o.filters.begin(), o.filters.end(),
                     [&](const std::string& f) { return metric.find(f) != std::string::npos; });
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::uint64_t sum_words(const std::byte* p, std::uint64_t n) {
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    sum += word;
  }
  return sum;
}

}  // namespace store_bench

namespace {

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: actors-store-bench [--quick] [--repeat N] [--filter SUBSTR]... [--spill-dir DIR]\n"
               "Prints one JSON object per metric and line:\n"
               "  {\"metric\": ..., \"value\": ..., \"unit\": ..., \"mode\": \"store\", \"repeats\": N, \"runs\": [...]}\n"
               "  --quick          small sizes (64 MiB arena, 8 and 32 MiB objects): seconds, not a minute\n"
               "  --repeat N       timed runs per metric; the median is the value (default 3)\n"
               "  --filter SUBSTR  only metrics whose name contains SUBSTR (may be repeated)\n"
               "  --spill-dir DIR  where spill files go (default $TMPDIR, else /var/tmp): a local disk\n"
               "Metrics: store_spill_write_gib_s store_spill_rewrite_gib_s store_restore_gib_s\n"
               "  store_restore_cold_gib_s"
               " cross_process_attach_us cross_process_first_read_gib_s\n"
               "  cross_process_read_gib_s"
               " in_process_read_gib_s chunk_assemble_gib_s\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace store_bench;
  if (argc == 5 && std::string_view(argv[1]) == "--child-read")
    return child_read(argv[2], std::strtoull(argv[3], nullptr, 10), std::strtoull(argv[4], nullptr, 10));

  options o;
  o.self = argv[0];
  const char* tmp = std::getenv("TMPDIR");
  o.spill_path = tmp && *tmp ? tmp : "/var/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--repeat" && has_value) {
      o.repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--filter" && has_value) {
      o.filters.emplace_back(argv[++i]);
    } else if (a == "--spill-dir" && has_value) {
      o.spill_path = argv[++i];
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "actors-store-bench: unknown or incomplete argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  spill_and_restore(o);
  cross_process_read(o);
  chunk_assembly(o);
  return 0;
}
