#include <actors/object_store/spill_folder.hpp>

#include "process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>

namespace actors::object_store {
namespace {

constexpr std::string_view directory_prefix = "actors-spill-";
// write() moves at most this much per call on Linux anyway (MAX_RW_COUNT).
constexpr std::size_t max_io = 1u << 30;

std::string file_name(object_id id) { return to_string(id); }

// ENOSPC, and EDQUOT for a user quota: either way the disk has no room for us.
errc write_error(int error) { return error == ENOSPC || error == EDQUOT ? errc::disk_full : errc::io_error; }

// Unlinks every entry of the directory open at `fd` (spill directories hold files only).
void remove_files(int fd) {
  const int scan_fd = ::dup(fd);  // fdopendir takes the descriptor over
  if (scan_fd < 0) return;
  DIR* dir = ::fdopendir(scan_fd);
  if (!dir) {
    ::close(scan_fd);
    return;
  }
  ::rewinddir(dir);
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") ::unlinkat(fd, entry->d_name, 0);
  }
  ::closedir(dir);
}

// The pid in "actors-spill-<pid>-XXXXXX", or 0 when the name is not a spill directory's.
pid_t owner_of(std::string_view name) {
  if (!name.starts_with(directory_prefix)) return 0;
  name.remove_prefix(directory_prefix.size());
  const auto dash = name.find('-');
  if (dash == std::string_view::npos || name.size() - dash - 1 != 6) return 0;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + dash, pid);
  if (ec != std::errc() || end != name.data() + dash) return 0;
  return pid;
}

}  // namespace

expected<std::unique_ptr<spill_folder>, errc> spill_folder::open(const spill_options& options) {
  if (options.path.empty() || !(options.max_disk_use > 0 && options.max_disk_use <= 1))
    return unexpected(errc::invalid_argument);
  if (::mkdir(options.path.c_str(), 0700) != 0 && errno != EEXIST) return unexpected(errc::io_error);
  std::string pattern = options.path + "/" + std::string(directory_prefix) + std::to_string(::getpid()) + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) return unexpected(errc::io_error);
  const int fd = ::open(pattern.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    ::rmdir(pattern.c_str());
    return unexpected(errc::io_error);
  }
  return std::unique_ptr<spill_folder>(new spill_folder(std::move(pattern), fd, options));
}

spill_folder::spill_folder(std::string directory, int directory_fd, const spill_options& options)
    : directory_(std::move(directory)),
      directory_fd_(directory_fd),
      quota_(options.quota),
      max_disk_use_(options.max_disk_use) {}

spill_folder::~spill_folder() {
  remove_files(directory_fd_);
  ::close(directory_fd_);
  ::rmdir(directory_.c_str());
}

errc spill_folder::write(object_id id, std::span<const std::byte> bytes) {
  const std::uint64_t n = bytes.size();
  // Asked before the reservation, outside the lock: the disk is shared with everyone anyway,
  // so this is a forecast, and ENOSPC below the last word.
  const auto on_disk = disk_room();
  {
    std::lock_guard lock(mu_);
    if (files_.contains(id)) return errc::already_exists;
    if ((quota_ && n > quota_ - std::min(quota_, bytes_)) || n > on_disk) return errc::disk_full;
    bytes_ += n;
    files_.emplace(id, n);
  }
  const auto name = file_name(id);
  errc result = errc::ok;
  const int fd = ::openat(directory_fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    result = errno == EEXIST ? errc::already_exists : write_error(errno);
  } else {
    for (std::uint64_t done = 0; done < n && result == errc::ok;) {
      const auto r = ::write(fd, bytes.data() + done, std::min<std::uint64_t>(n - done, max_io));
      if (r > 0) {
        done += static_cast<std::uint64_t>(r);
      } else if (r < 0 && errno != EINTR) {
        result = write_error(errno);
      } else if (r == 0) {
        result = errc::io_error;
      }
    }
    if (::close(fd) != 0 && result == errc::ok && errno != EINTR) result = write_error(errno);
    if (result != errc::ok) ::unlinkat(directory_fd_, name.c_str(), 0);
  }
  if (result != errc::ok) {
    std::lock_guard lock(mu_);
    files_.erase(id);
    bytes_ -= n;
  }
  return result;
}

errc spill_folder::read(object_id id, std::span<std::byte> into) const {
  const int fd = ::openat(directory_fd_, file_name(id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? errc::not_found : errc::io_error;
  struct stat st {};
  errc result = errc::ok;
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != into.size()) result = errc::io_error;
  for (std::uint64_t done = 0; done < into.size() && result == errc::ok;) {
    const auto r = ::pread(fd, into.data() + done, std::min<std::uint64_t>(into.size() - done, max_io),
                           static_cast<off_t>(done));
    if (r > 0) {
      done += static_cast<std::uint64_t>(r);
    } else if (r == 0 || errno != EINTR) {
      result = errc::io_error;  // the file shrank under us, or the disk failed
    }
  }
  ::close(fd);
  return result;
}

void spill_folder::remove(object_id id) noexcept {
  std::lock_guard lock(mu_);
  auto it = files_.find(id);
  if (it == files_.end()) return;
  ::unlinkat(directory_fd_, file_name(id).c_str(), 0);
  bytes_ -= it->second;
  files_.erase(it);
}

std::uint64_t spill_folder::room() const {
  const auto on_disk = disk_room();
  std::lock_guard lock(mu_);
  if (!quota_) return on_disk;
  return std::min(on_disk, quota_ - std::min(quota_, bytes_));
}

std::uint64_t spill_folder::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::uint64_t spill_folder::disk_room() const {
  struct statvfs fs {};
  if (::fstatvfs(directory_fd_, &fs) != 0) return 0;
  const auto block = static_cast<double>(fs.f_frsize);
  const double total = static_cast<double>(fs.f_blocks) * block;
  const double used = total - static_cast<double>(fs.f_bfree) * block;
  const double available = static_cast<double>(fs.f_bavail) * block;  // what an unprivileged user may take
  const double room = std::min(available, max_disk_use_ * total - used);
  return room > 0 ? static_cast<std::uint64_t>(room) : 0;
}

expected<std::vector<std::string>, errc> spill_folder::remove_stale(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return unexpected(errc::io_error);
  std::vector<std::string> removed;
  while (const dirent* entry = ::readdir(dir)) {
    const pid_t owner = owner_of(entry->d_name);
    if (owner <= 0 || !detail::process_gone(owner)) continue;
    const int fd = ::openat(::dirfd(dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    remove_files(fd);
    ::close(fd);
    if (::unlinkat(::dirfd(dir), entry->d_name, AT_REMOVEDIR) == 0) removed.push_back(path + "/" + entry->d_name);
  }
  ::closedir(dir);
  return removed;
}

}  // namespace actors::object_store
