#include "region.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace actors::object_store::detail {

// POSIX leaves names other than "/name" implementation-defined; glibc puts them under /dev/shm,
// where a second slash would name a missing directory.
bool valid_shm_name(const std::string& name) {
  return name.size() >= 2 && name.size() <= NAME_MAX && name[0] == '/' && name.find('/', 1) == std::string::npos;
}

namespace {

int open_named(backing kind, const std::string& name, int flags, mode_t mode) {
  return kind == backing::file ? ::open(name.c_str(), flags | O_CLOEXEC, mode) : ::shm_open(name.c_str(), flags, mode);
}

void unlink_named(backing kind, const std::string& name) {
  if (kind == backing::file)
    ::unlink(name.c_str());
  else if (kind == backing::shm)
    ::shm_unlink(name.c_str());
}

bool valid_name(backing kind, const std::string& name) {
  return kind == backing::file ? name.size() >= 2 && name[0] == '/' : valid_shm_name(name);
}

}  // namespace

// MAP_NORESERVE throughout: the region is reserved address space, not committed memory, so a
// store sized at 30% of RAM neither takes that RAM at start nor trips overcommit accounting.
expected<std::byte*, errc> map_region(std::uint64_t length, backing kind, const std::string& name, int* fd_out) {
  if (fd_out) *fd_out = -1;
  void* base = MAP_FAILED;
  if (kind == backing::memory) {
    base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return unexpected(errc::map_failed);
    return static_cast<std::byte*>(base);
  }
  if (!valid_name(kind, name)) return unexpected(errc::invalid_argument);
  // O_EXCL: two stores must never share one region, each believing it owns the free space.
  // 0600: only processes of the same user may read objects (ARCHITECTURE.md §7).
  const int fd = open_named(kind, name, O_RDWR | O_CREAT | O_EXCL, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST) return unexpected(errc::already_exists);
    if (errno == EINVAL || errno == ENAMETOOLONG) return unexpected(errc::invalid_argument);
    return unexpected(errc::map_failed);
  }
  // ftruncate allocates nothing, on tmpfs or on disk: pages come into being as they are
  // faulted in (or, in a file, as its owner reserves them with fallocate).
  if (::ftruncate(fd, static_cast<off_t>(length)) == 0)
    base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base != MAP_FAILED && fd_out)
    *fd_out = fd;
  else
    ::close(fd);  // the mapping keeps the object alive
  if (base == MAP_FAILED) {
    unlink_named(kind, name);
    return unexpected(errc::map_failed);
  }
  return static_cast<std::byte*>(base);
}

// MAP_NORESERVE and no MAP_POPULATE: the segment is as large as the owner's whole arena, and
// populating it would make tmpfs allocate every hole a reader touches, not just the objects.
expected<existing_region, errc> map_existing_region(backing kind, const std::string& name, bool writable) {
  if (kind == backing::memory || !valid_name(kind, name)) return unexpected(errc::invalid_argument);
  const int fd = open_named(kind, name, writable ? O_RDWR : O_RDONLY, 0);
  if (fd < 0) {
    if (errno == ENOENT) return unexpected(errc::not_found);
    if (errno == EACCES || errno == EPERM) return unexpected(errc::permission_denied);
    if (errno == EINVAL || errno == ENAMETOOLONG) return unexpected(errc::invalid_argument);
    return unexpected(errc::map_failed);
  }
  struct stat st {};
  void* base = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    base = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), writable ? PROT_READ | PROT_WRITE : PROT_READ,
                  MAP_SHARED | MAP_NORESERVE, fd, 0);
  }
  ::close(fd);  // the mapping keeps the segment open
  if (base == MAP_FAILED) return unexpected(errc::map_failed);
  return existing_region{static_cast<std::byte*>(base), static_cast<std::uint64_t>(st.st_size)};
}

void unmap_region(std::byte* base, std::uint64_t length, backing kind, const std::string& name) noexcept {
  ::munmap(base, length);
  unlink_named(kind, name);
}

}  // namespace actors::object_store::detail
