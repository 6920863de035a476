#pragma once
/// Aligned byte buffers that hold arithmetic arrays. Large ones live in the node's object store
/// arena (pre-faulted, reused), small ones on the heap; either way the data is 64-byte aligned
/// and stays in place while any shared_ptr to the buffer (an object, or a view) lives.

#include <cstddef>
#include <memory>

namespace actors::detail {

/// Immutable once filled; safe to read from any thread.
class byte_buffer {
 public:
  virtual ~byte_buffer() = default;
  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 protected:
  byte_buffer(std::byte* data, std::size_t size) noexcept : data_(data), size_(size) {}

 private:
  std::byte* data_;
  std::size_t size_;
};

/// A buffer of `bytes` bytes from the current runtime's store (or the heap when the store is
/// full or the runtime is not running). Never null; throws std::bad_alloc when memory is out.
std::shared_ptr<byte_buffer> allocate_buffer(std::size_t bytes);

/// A buffer for `count` elements of `element_size` bytes: allocate_buffer's, except that in a
/// cluster a large array goes into the node's shared store, in the layout its value has there
/// (the codec's count, then the elements), so other processes of the node read it in place.
std::shared_ptr<byte_buffer> allocate_array_buffer(std::size_t count, std::size_t element_size);

/// `size` bytes at `data` inside `owner`'s, kept alive by it: an array read in place from a
/// stored value.
std::shared_ptr<byte_buffer> slice_of(std::shared_ptr<byte_buffer> owner, const std::byte* data, std::size_t size);

}  // namespace actors::detail
