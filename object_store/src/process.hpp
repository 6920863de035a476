#pragma once
// Whether a process that owned a segment or a spill folder is still there.

#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdio>
#include <string>

namespace actors::object_store::detail {

/// True when `pid` has exited: kill(pid, 0) says no such process, or /proc says it is a zombie
/// (exited, its memory unmapped, waiting to be reaped). A process of another user (EPERM) lives.
inline bool process_gone(pid_t pid) {
  if (pid <= 0) return false;  // 0 and negatives name process groups, not a process
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  // /proc/<pid>/stat is "pid (comm) state ...", and comm may hold spaces and parentheses: the
  // state follows the last ')'.
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return false;  // no /proc: trust kill()
  char buffer[512];
  const auto n = std::fread(buffer, 1, sizeof buffer - 1, f);
  std::fclose(f);
  const std::string stat(buffer, n);
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X';
}

}  // namespace actors::object_store::detail
