#include <actors/object_store/segments.hpp>

#include "process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>

namespace actors::object_store {
namespace {

constexpr std::string_view prefix = "actors-";
constexpr std::size_t max_session = 64;

bool session_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool valid_session(std::string_view session) {
  if (session.empty() || session.size() > max_session) return false;
  for (char c : session)
    if (!session_char(c)) return false;
  return true;
}

// A decimal without sign, leading zeros (other than "0" itself) or overflow: so that one
// segment has exactly one name.
template <class T>
std::optional<T> parse_decimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

expected<std::string, errc> segment_name(std::string_view session, std::uint32_t serial) {
  if (!valid_session(session)) return unexpected(errc::invalid_argument);
  std::string name = "/";
  name += prefix;
  name += session;
  name += '-';
  name += std::to_string(::getpid());
  name += '-';
  name += std::to_string(serial);
  return name;
}

std::optional<segment_name_parts> parse_segment_name(std::string_view name) {
  if (!name.empty() && name[0] == '/') name.remove_prefix(1);
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  // The session has no '-', so the first two dashes end the session and the pid.
  const auto dash1 = name.find('-');
  if (dash1 == std::string_view::npos) return std::nullopt;
  const auto dash2 = name.find('-', dash1 + 1);
  if (dash2 == std::string_view::npos) return std::nullopt;
  const auto session = name.substr(0, dash1);
  const auto pid = parse_decimal<pid_t>(name.substr(dash1 + 1, dash2 - dash1 - 1));
  const auto serial = parse_decimal<std::uint32_t>(name.substr(dash2 + 1));
  if (!valid_session(session) || !pid || *pid <= 0 || !serial) return std::nullopt;
  return segment_name_parts{std::string(session), *pid, *serial};
}

bool process_gone(pid_t pid) { return detail::process_gone(pid); }

expected<std::vector<std::string>, errc> remove_stale_segments(const stale_segment_options& options) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(options.directory.c_str()), ::closedir);
  if (!dir) return unexpected(errc::io_error);
  std::vector<std::string> removed;
  for (;;) {
    errno = 0;  // readdir's only way to tell the end from an error; the checks below set it too
    const dirent* entry = ::readdir(dir.get());
    if (!entry) {
      if (errno != 0) return unexpected(errc::io_error);
      break;
    }
    const std::string_view file = entry->d_name;
    const auto parts = parse_segment_name(file);
    if (!parts || (!options.session.empty() && parts->session != options.session)) continue;
    if (!detail::process_gone(parts->pid)) continue;
    // unlinkat on the folder rather than shm_unlink: the folder may be a test's stand-in, and
    // for /dev/shm the two are the same call. ENOENT: another node manager was faster.
    if (::unlinkat(::dirfd(dir.get()), entry->d_name, 0) == 0) {
      std::string name(1, '/');  // not "/" + string: g++ 12 warns falsely on that (GCC bug 105329)
      name += file;
      removed.push_back(std::move(name));
    }
  }
  return removed;
}

}  // namespace actors::object_store
