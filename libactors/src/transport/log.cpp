#include "transport/log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace actors::net {

std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
  }
  return "unknown";
}

void log_to_stderr(log_level level, std::string_view line) noexcept {
  static const bool debug = [] {
    const char* env = std::getenv("ACTORS_LOG_LEVEL");
    return env && !std::strcmp(env, "debug");
  }();
  if (level == log_level::debug && !debug) return;
  try {
    std::string out = "[actors transport] ";
    out += to_string(level);
    out += ": ";
    out += line;
    out += '\n';
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
  } catch (...) {
  }
}

void log(const log_fn& fn, log_level level, std::string_view line) noexcept {
  if (!fn) return log_to_stderr(level, line);
  try {
    fn(level, line);
  } catch (...) {
  }
}

}  // namespace actors::net
