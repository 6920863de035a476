#pragma once
/// spill_folder: where a store puts objects it has no memory for, one file per object. It is a
/// cache that dies with its store, not a durable copy: files are written with plain write()
/// and never fsync'ed, and the folder's files go when the spill_folder goes. A store that
/// crashed leaves its folder behind; remove_stale() takes those away at the next start.
///
///     auto spill = spill_folder::open({.path = "/var/tmp/actors", .quota = 8ull << 30});
///     store s(memory, std::move(*spill));   // the store spills and restores through it
///
/// Each spill_folder writes into a private directory made inside `path`,
/// "actors-spill-<pid>-XXXXXX", so several stores may share one path.
///
/// Thread-safe: write, read and remove may run at once from several threads, for different
/// objects; one object's calls must not overlap (the store sees to that).

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace actors::object_store {

struct spill_options {
  std::string path;            // a folder on a local disk; made if missing (its parent must exist)
  std::uint64_t quota = 0;     // most bytes in spill files at once; 0 = no limit but the disk's
  double max_disk_use = 0.95;  // refuse to write a file that would fill the disk beyond this
                               // fraction (Ray's local_fs_capacity_threshold); 1 = to the last block
};

class spill_folder {
 public:
  /// Makes the private directory. Errors: invalid_argument (empty path, max_disk_use outside
  /// (0, 1]), io_error (the folder cannot be made or written to).
  static expected<std::unique_ptr<spill_folder>, errc> open(const spill_options& options);
  /// Removes the directory and every file in it.
  ~spill_folder();
  spill_folder(const spill_folder&) = delete;
  spill_folder& operator=(const spill_folder&) = delete;

  /// Writes the object's bytes to a new file. Errors: disk_full (over the quota, past
  /// max_disk_use, or the disk said ENOSPC), already_exists (the object has a file),
  /// io_error (anything else). A failed write leaves no file.
  errc write(object_id id, std::span<const std::byte> bytes);
  /// Reads the object's file into `into`, which must be exactly as long as the file. Errors:
  /// not_found (no file), io_error (a short or failed read, or a file of another length).
  errc read(object_id id, std::span<std::byte> into) const;
  /// Deletes the object's file; nothing happens if there is none.
  void remove(object_id id) noexcept;

  /// Bytes one more file may take now: what the quota leaves, and what the disk has before it
  /// reaches max_disk_use, whichever is less.
  std::uint64_t room() const;
  /// Bytes in spill files now.
  std::uint64_t bytes() const;
  /// The private directory the files are in.
  const std::string& directory() const noexcept { return directory_; }

  /// Removes the private directories in `path` whose process is gone (crashed stores'), with
  /// their files, and returns their paths. Live stores' directories are left alone. Errors:
  /// io_error (`path` cannot be read).
  static expected<std::vector<std::string>, errc> remove_stale(const std::string& path);

 private:
  spill_folder(std::string directory, int directory_fd, const spill_options& options);
  std::uint64_t disk_room() const;

  const std::string directory_;
  const int directory_fd_;  // files are opened relative to it: no path joins per call
  const std::uint64_t quota_;
  const double max_disk_use_;

  mutable std::mutex mu_;
  // Files written, or being written (their bytes reserved against the quota first); guarded by mu_.
  std::unordered_map<object_id, std::uint64_t> files_;
  std::uint64_t bytes_ = 0;  // the sum of files_; guarded by mu_
};

}  // namespace actors::object_store
