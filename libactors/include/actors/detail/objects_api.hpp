#pragma once
/// The runtime's object services that the header-only parts of the API call into.
/// All functions are safe to call from any thread; those needing a runtime throw
/// actors::error when `actors::init()` has not been called.

#include <actors/detail/cell.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace actors::detail {

/// A fresh id for an object created by this process.
object_id next_object_id();

/// Makes the cell findable by id, for refs that are decoded from bytes in this process.
void export_cell(const std::shared_ptr<cell>& c);

/// The cell a decoded ref to `id` names: while this thread decodes a message from another
/// process, one that borrows the value from it; else the exported cell of that id and type;
/// else a cell failed with object_lost_error. `make` makes an empty cell of the value type.
std::shared_ptr<cell> import_cell(const object_id& id, const std::type_info& type, std::shared_ptr<cell> (*make)());

/// Waits until `num_returns` cells are complete or the deadline passes; returns which are.
std::vector<bool> wait_cells(std::span<cell* const> cells, std::size_t num_returns,
                             std::optional<clock::time_point> deadline);

template <class T>
std::shared_ptr<value_cell<T>> new_cell() {
  auto c = std::make_shared<value_cell<T>>();
  c->id = next_object_id();
  return c;
}

template <class T>
std::shared_ptr<cell> make_empty_cell() {
  return std::make_shared<value_cell<T>>();
}

template <class T>
std::shared_ptr<value_cell<T>> import_cell(const object_id& id) {
  return std::static_pointer_cast<value_cell<T>>(import_cell(id, typeid(T), &make_empty_cell<T>));
}

}  // namespace actors::detail
