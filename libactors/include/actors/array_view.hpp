#pragma once
/// A zero-copy, read-only view of an arithmetic array in the object store, from get_view():
///
///     auto view = actors::get_view(ref);            // ref: object_ref<std::vector<double>>
///     double sum = std::accumulate(view.begin(), view.end(), 0.0);
///
/// The data is 64-byte aligned and stays pinned in place while the view (or a copy) lives, even
/// after every object_ref to it is gone. Safe to read from any thread.

#include <actors/detail/buffer.hpp>

#include <cstddef>
#include <memory>
#include <span>

namespace actors {

template <class T>
class array_view {
 public:
  array_view() = default;
  array_view(std::shared_ptr<detail::byte_buffer> pin, const T* data, std::size_t size)
      : pin_(std::move(pin)), data_(data), size_(size) {}

  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  operator std::span<const T>() const noexcept { return {data_, size_}; }

 private:
  std::shared_ptr<detail::byte_buffer> pin_;
  const T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace actors
