#include <actors/object_store/attached_arena.hpp>

#include "region.hpp"

#include <sys/mman.h>

#include <utility>

namespace actors::object_store {

expected<attached_arena, errc> attached_arena::attach(const std::string& shm_name, access_mode mode) {
  auto region = detail::map_existing_region(detail::backing::shm, shm_name, mode == access_mode::read_write);
  if (!region) return unexpected(region.error());
  return attached_arena(region->base, region->length, mode, shm_name);
}

expected<attached_arena, errc> attached_arena::attach_file(const std::string& path, access_mode mode) {
  auto region = detail::map_existing_region(detail::backing::file, path, mode == access_mode::read_write);
  if (!region) return unexpected(region.error());
  return attached_arena(region->base, region->length, mode, path);
}

attached_arena::attached_arena(attached_arena&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mode_(other.mode_),
      name_(std::move(other.name_)) {}

attached_arena& attached_arena::operator=(attached_arena&& other) noexcept {
  if (this != &other) {
    if (base_) ::munmap(base_, size_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mode_ = other.mode_;
    name_ = std::move(other.name_);
  }
  return *this;
}

attached_arena::~attached_arena() {
  if (base_) ::munmap(base_, size_);
}

// Written so that no sum can overflow: offset and size come from another process.
bool attached_arena::covers(std::uint64_t offset, std::uint64_t size) const noexcept {
  return base_ != nullptr && offset <= size_ && size <= size_ - offset;
}

expected<std::span<const std::byte>, errc> attached_arena::read(std::uint64_t offset, std::uint64_t size) const {
  if (!covers(offset, size)) return unexpected(errc::invalid_argument);
  return std::span<const std::byte>(base_ + offset, size);
}

expected<std::span<std::byte>, errc> attached_arena::write(std::uint64_t offset, std::uint64_t size) const {
  if (mode_ != access_mode::read_write) return unexpected(errc::read_only);
  if (!covers(offset, size)) return unexpected(errc::invalid_argument);
  return std::span<std::byte>(base_ + offset, size);
}

}  // namespace actors::object_store
