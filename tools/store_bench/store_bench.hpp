#pragma once
// actors-store-bench's parts: the options, the way a result is printed, and the measurements.
// Single-threaded driver; a measurement may start threads or a child process of its own.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace store_bench {

struct options {
  bool quick = false;
  int repeat = 3;
  std::string spill_path;            // where spill files go; default: $TMPDIR or /var/tmp
  std::vector<std::string> filters;  // substrings of metric names; none = all
  std::string self;                  // this program, for the child process
};

/// Prints one JSON line: {"metric", "value" (median of runs), "unit", "mode": "store", ...}.
void emit(const options& o, const std::string& metric, const std::vector<double>& runs, const std::string& unit,
          const std::string& note = "");
bool wants(const options& o, const std::string& metric);

double seconds_since(std::chrono::steady_clock::time_point start);
constexpr double gib = 1024.0 * 1024.0 * 1024.0;
constexpr std::uint64_t mib = 1ull << 20;

/// Sums the 64-bit words of [p, p + n): the read loop of the read metrics (vectorised by -O2,
/// so memory bound).
std::uint64_t sum_words(const std::byte* p, std::uint64_t n);

// The measurements; each prints its own lines.
void spill_and_restore(const options& o);
void cross_process_read(const options& o);
void chunk_assembly(const options& o);

/// The child side of cross_process_read: attach `name`, read [offset, offset + size) twice,
/// print "attach_us first_s second_s sum". Returns the exit status.
int child_read(const std::string& name, std::uint64_t offset, std::uint64_t size);

}  // namespace store_bench
