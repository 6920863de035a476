#include "log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace actors::detail {
namespace {

log_level threshold() noexcept {
  static const log_level level = [] {
    const char* env = std::getenv("ACTORS_LOG_LEVEL");
    if (!env) return log_level::warning;
    if (!std::strcmp(env, "debug")) return log_level::debug;
    if (!std::strcmp(env, "info")) return log_level::info;
    if (!std::strcmp(env, "error")) return log_level::error;
    return log_level::warning;
  }();
  return level;
}

constexpr const char* names[] = {"debug", "info", "warning", "error"};

}  // namespace

void log(log_level level, std::string_view message) noexcept {
  if (level < threshold()) return;
  try {
    std::string line = "[actors ";
    line += names[static_cast<int>(level)];
    line += "] ";
    line += message;
    line += '\n';
    // One write() per line so that lines from several threads do not interleave.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
  }
}

}  // namespace actors::detail
