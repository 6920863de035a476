#include <actors/object_store/chunks.hpp>
#include <actors/object_store/store.hpp>

#include "check.hpp"

#include <algorithm>
#include <cstring>

namespace actors::object_store {

expected<chunk_plan, errc> chunk_plan::make(std::uint64_t object_size, std::uint64_t chunk_size) {
  if (chunk_size == 0) return unexpected(errc::invalid_argument);
  return chunk_plan(object_size, chunk_size);
}

chunk_plan::chunk_plan(std::uint64_t object_size, std::uint64_t chunk_size) noexcept
    : object_size_(object_size),
      chunk_size_(chunk_size),
      // Without object_size + chunk_size - 1, which could overflow.
      count_(object_size == 0 ? 1 : object_size / chunk_size + (object_size % chunk_size != 0)) {}

expected<chunk, errc> chunk_plan::at(std::uint64_t index) const {
  if (index >= count_) return unexpected(errc::chunk_out_of_range);
  const auto offset = index * chunk_size_;  // < object_size, or 0: no overflow
  return chunk{index, offset, std::min(chunk_size_, object_size_ - offset)};
}

expected<std::span<const std::byte>, errc> chunk_plan::slice(std::span<const std::byte> object,
                                                             std::uint64_t index) const {
  if (object.size() != object_size_) return unexpected(errc::chunk_size_mismatch);
  auto c = at(index);
  if (!c) return unexpected(c.error());
  return object.subspan(c->offset, c->size);
}

expected<std::unique_ptr<chunk_assembler>, errc> chunk_assembler::start(store& s, object_id id,
                                                                        const chunk_plan& plan) {
  auto data = s.create(id, plan.object_size());
  if (!data) return unexpected(data.error());
  return std::unique_ptr<chunk_assembler>(new chunk_assembler(s, id, plan, *data));
}

chunk_assembler::chunk_assembler(store& s, object_id id, const chunk_plan& plan, std::byte* data)
    : store_(s), id_(id), plan_(plan), data_(data), chunks_(plan.count(), chunk_state::missing) {}

chunk_assembler::~chunk_assembler() {
  std::lock_guard lock(mu_);
  detail::check(in_flight_ == 0, "chunk_assembler destroyed while a chunk is being written into it");
  if (!sealed_) {
    cancelled_ = true;
    remove_if_idle();
  }
}

expected<std::span<std::byte>, errc> chunk_assembler::claim(std::uint64_t index) {
  const auto c = plan_.at(index);
  if (!c) return unexpected(c.error());
  std::lock_guard lock(mu_);
  if (cancelled_) return unexpected(errc::cancelled);
  if (chunks_[index] != chunk_state::missing) return unexpected(errc::chunk_duplicate);
  chunks_[index] = chunk_state::claimed;
  ++in_flight_;
  return std::span<std::byte>(data_ + c->offset, c->size);
}

expected<bool, errc> chunk_assembler::finish(std::uint64_t index) {
  std::lock_guard lock(mu_);
  detail::check(index < chunks_.size() && chunks_[index] == chunk_state::claimed,
                "chunk_assembler::finish() of a chunk that is not claimed");
  --in_flight_;
  if (cancelled_) {
    chunks_[index] = chunk_state::missing;
    remove_if_idle();
    return unexpected(errc::cancelled);
  }
  chunks_[index] = chunk_state::arrived;
  if (++arrived_ < chunks_.size()) return false;
  // Every writer's bytes happen-before this: each finished under mu_, which this thread holds.
  if (const auto sealed = store_.seal(id_); sealed != errc::ok) return unexpected(sealed);
  sealed_ = true;
  return true;
}

void chunk_assembler::abandon(std::uint64_t index) {
  std::lock_guard lock(mu_);
  detail::check(index < chunks_.size() && chunks_[index] == chunk_state::claimed,
                "chunk_assembler::abandon() of a chunk that is not claimed");
  --in_flight_;
  chunks_[index] = chunk_state::missing;
  if (cancelled_) remove_if_idle();
}

expected<bool, errc> chunk_assembler::write(std::uint64_t index, std::span<const std::byte> bytes) {
  const auto c = plan_.at(index);
  if (!c) return unexpected(c.error());
  if (bytes.size() != c->size) return unexpected(errc::chunk_size_mismatch);
  auto dest = claim(index);
  if (!dest) return unexpected(dest.error());
  if (!bytes.empty()) std::memcpy(dest->data(), bytes.data(), bytes.size());
  return finish(index);
}

void chunk_assembler::cancel() {
  std::lock_guard lock(mu_);
  if (sealed_ || cancelled_) return;
  cancelled_ = true;
  remove_if_idle();
}

bool chunk_assembler::complete() const {
  std::lock_guard lock(mu_);
  return sealed_;
}

bool chunk_assembler::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

std::uint64_t chunk_assembler::arrived() const {
  std::lock_guard lock(mu_);
  return arrived_;
}

void chunk_assembler::remove_if_idle() {
  if (in_flight_ > 0 || removed_) return;
  removed_ = true;
  store_.remove(id_);  // the store never calls back into us: mu_ then the store's lock is safe
}

}  // namespace actors::object_store
