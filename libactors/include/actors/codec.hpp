#pragma once
/// The codec: how values cross between processes. Every type listed under "Values that can
/// cross" in API.md has a `codec<T>` with `ok == true`; anything else has `ok == false`, and
/// `require_serializable<T>()` turns that into a compile error naming the innermost offending
/// type. Arithmetic arrays are copied as raw bytes. Writing or reading an `object_ref` or an
/// `actor_handle` records its id in the writer/reader so the runtime can count references that
/// travel inside other values.
///
///     actors::writer w;  actors::encode(w, std::map<std::string, int>{{"a", 1}});
///     actors::reader r(w.bytes());  auto m = actors::decode<std::map<std::string, int>>(r);
///
/// writer and reader are single-threaded values.

#include <actors/error.hpp>
#include <actors/ids.hpp>

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace actors {

/// Appends the encoding of values to a byte buffer.
class writer {
 public:
  void write_bytes(const void* data, std::size_t n) {
    if (n == 0) return;
    auto old = bytes_.size();
    bytes_.resize(old + n);
    std::memcpy(bytes_.data() + old, data, n);
  }
  template <class T>
  void write_pod(const T& v) { write_bytes(&v, sizeof v); }
  void write_size(std::size_t n) { write_pod(static_cast<std::uint64_t>(n)); }
  void note_ref(const object_id& id) { refs_.push_back(id); }
  void note_handle(const actor_id& id) { handles_.push_back(id); }

  const std::vector<std::byte>& bytes() const noexcept { return bytes_; }
  std::vector<std::byte>& bytes() noexcept { return bytes_; }
  /// Every object_ref written, in order.
  const std::vector<object_id>& refs() const noexcept { return refs_; }
  /// Every actor_handle written, in order.
  const std::vector<actor_id>& handles() const noexcept { return handles_; }

 private:
  std::vector<std::byte> bytes_;
  std::vector<object_id> refs_;
  std::vector<actor_id> handles_;
};

/// Reads values back from bytes; throws actors::error on truncated or malformed input.
class reader {
 public:
  explicit reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  void read_bytes(void* out, std::size_t n) {
    if (n > remaining()) throw error("actors codec: input truncated");
    if (n != 0) std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
  }
  template <class T>
  T read_pod() {
    T v;
    read_bytes(&v, sizeof v);
    return v;
  }
  /// A count of elements, each at least `min_element_bytes` long: checked against the input
  /// so that a corrupt length cannot make us allocate more than the input could hold.
  std::size_t read_size(std::size_t min_element_bytes = 1) {
    auto n = read_pod<std::uint64_t>();
    if (min_element_bytes != 0 && n > remaining() / min_element_bytes)
      throw error("actors codec: length " + std::to_string(n) + " exceeds the input");
    return static_cast<std::size_t>(n);
  }
  /// The next `n` bytes, in place; throws when fewer remain.
  std::span<const std::byte> read_span(std::size_t n) {
    if (n > remaining()) throw error("actors codec: input truncated");
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  void note_ref(const object_id& id) { refs_.push_back(id); }
  void note_handle(const actor_id& id) { handles_.push_back(id); }
  const std::vector<object_id>& refs() const noexcept { return refs_; }
  const std::vector<actor_id>& handles() const noexcept { return handles_; }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
  std::vector<object_id> refs_;
  std::vector<actor_id> handles_;
};

template <class... Ts>
struct type_list {};

/// How T is written and read. `ok` tells whether T can cross; `parts` lists the component
/// types, so that an error can point at the innermost one that cannot.
template <class T, class Enable = void>
struct codec {
  static constexpr bool ok = false;
  using parts = type_list<>;
};

template <class T>
inline constexpr bool is_serializable_v = codec<std::remove_cvref_t<T>>::ok;

template <class T>
void encode(writer& w, const T& v) { codec<T>::write(w, v); }

template <class T>
void decode_into(reader& r, T& v) { codec<T>::read(r, v); }

template <class T>
T decode(reader& r) {
  T v{};
  codec<T>::read(r, v);
  return v;
}

namespace detail {

template <class T>
inline constexpr bool dependent_false = false;

template <class T>
inline constexpr bool is_raw_arithmetic = std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;

template <class T>
struct cannot_cross {
  static_assert(dependent_false<T>,
                "actors: this type cannot cross between processes (see 'Values that can cross' in "
                "API.md; declare structs with ACTORS_SERIALIZABLE). The offending type is the "
                "template argument of actors::detail::cannot_cross in this message.");
  static constexpr bool value = false;
};

template <class T>
constexpr bool require_serializable();

template <class... Ps>
constexpr bool require_parts(type_list<Ps...>) {
  return (require_serializable<std::remove_cvref_t<Ps>>() && ...);
}

}  // namespace detail

/// Instantiating this with a type that cannot cross is a compile error naming that type (or the
/// innermost part of it that cannot).
template <class T>
constexpr bool detail::require_serializable() {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_void_v<U> || codec<U>::ok) {  // void: a function returning nothing
    return true;
  } else if constexpr (!std::is_same_v<typename codec<U>::parts, type_list<>>) {
    return require_parts(typename codec<U>::parts{});
  } else {
    return cannot_cross<U>::value;
  }
}

// ---- scalars ------------------------------------------------------------------------------

template <class T>
struct codec<T, std::enable_if_t<std::is_arithmetic_v<T> || std::is_enum_v<T>>> {
  static constexpr bool ok = true;
  using parts = type_list<>;
  static void write(writer& w, const T& v) { w.write_pod(v); }
  static void read(reader& r, T& v) { v = r.read_pod<T>(); }
};

template <>
struct codec<std::string> {
  static constexpr bool ok = true;
  using parts = type_list<>;
  static void write(writer& w, const std::string& v) {
    w.write_size(v.size());
    w.write_bytes(v.data(), v.size());
  }
  static void read(reader& r, std::string& v) {
    v.resize(r.read_size());
    r.read_bytes(v.data(), v.size());
  }
};

template <>
struct codec<std::monostate> {
  static constexpr bool ok = true;
  using parts = type_list<>;
  static void write(writer&, const std::monostate&) {}
  static void read(reader&, std::monostate&) {}
};

/// nlohmann::json crosses as CBOR; defined out of line so that this header needs only
/// <nlohmann/json_fwd.hpp>.
template <>
struct codec<nlohmann::json> {
  static constexpr bool ok = true;
  using parts = type_list<>;
  static void write(writer& w, const nlohmann::json& v);
  static void read(reader& r, nlohmann::json& v);
};

// ---- sequences ------------------------------------------------------------------------------

template <class T, class A>
struct codec<std::vector<T, A>> {
  static constexpr bool ok = codec<T>::ok;
  using parts = type_list<T>;
  static void write(writer& w, const std::vector<T, A>& v) {
    w.write_size(v.size());
    if constexpr (detail::is_raw_arithmetic<T>) {
      w.write_bytes(v.data(), v.size() * sizeof(T));
    } else {
      for (const auto& e : v) codec<T>::write(w, static_cast<T>(e));
    }
  }
  static void read(reader& r, std::vector<T, A>& v) {
    if constexpr (detail::is_raw_arithmetic<T>) {
      v.resize(r.read_size(sizeof(T)));
      r.read_bytes(v.data(), v.size() * sizeof(T));
    } else {
      auto n = r.read_size(0);
      v.clear();
      for (std::size_t i = 0; i < n; ++i) {
        if (r.remaining() == 0 && sizeof(T) > 0 && !std::is_empty_v<T>)
          throw error("actors codec: input truncated");
        T e{};
        codec<T>::read(r, e);
        v.push_back(std::move(e));
      }
    }
  }
};

template <class T, std::size_t N>
struct codec<std::array<T, N>> {
  static constexpr bool ok = codec<T>::ok;
  using parts = type_list<T>;
  static void write(writer& w, const std::array<T, N>& v) {
    if constexpr (detail::is_raw_arithmetic<T>) {
      w.write_bytes(v.data(), N * sizeof(T));
    } else {
      for (const auto& e : v) codec<T>::write(w, e);
    }
  }
  static void read(reader& r, std::array<T, N>& v) {
    if constexpr (detail::is_raw_arithmetic<T>) {
      r.read_bytes(v.data(), N * sizeof(T));
    } else {
      for (auto& e : v) codec<T>::read(r, e);
    }
  }
};

namespace detail {
/// Maps and sets: a count, then the elements; read back by inserting.
template <class C, class K, class V>
struct associative_codec {
  static constexpr bool ok = codec<K>::ok && codec<V>::ok;
  using parts = type_list<K, V>;
  static void write(writer& w, const C& c) {
    w.write_size(c.size());
    for (const auto& e : c) {
      if constexpr (std::is_same_v<K, V>) {
        codec<K>::write(w, e);
      } else {
        codec<K>::write(w, e.first);
        codec<V>::write(w, e.second);
      }
    }
  }
  static void read(reader& r, C& c) {
    auto n = r.read_size(0);
    c.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (r.remaining() == 0) throw error("actors codec: input truncated");
      K k{};
      codec<K>::read(r, k);
      if constexpr (std::is_same_v<K, V>) {
        c.insert(std::move(k));
      } else {
        V v{};
        codec<V>::read(r, v);
        c.emplace(std::move(k), std::move(v));
      }
    }
  }
};
}  // namespace detail

template <class K, class V, class Cmp, class A>
struct codec<std::map<K, V, Cmp, A>> : detail::associative_codec<std::map<K, V, Cmp, A>, K, V> {};
template <class K, class V, class H, class E, class A>
struct codec<std::unordered_map<K, V, H, E, A>>
    : detail::associative_codec<std::unordered_map<K, V, H, E, A>, K, V> {};
template <class K, class Cmp, class A>
struct codec<std::set<K, Cmp, A>> : detail::associative_codec<std::set<K, Cmp, A>, K, K> {};
template <class K, class H, class E, class A>
struct codec<std::unordered_set<K, H, E, A>>
    : detail::associative_codec<std::unordered_set<K, H, E, A>, K, K> {};

// ---- products and sums ------------------------------------------------------------------------

template <class A, class B>
struct codec<std::pair<A, B>> {
  static constexpr bool ok = codec<std::remove_const_t<A>>::ok && codec<B>::ok;
  using parts = type_list<std::remove_const_t<A>, B>;
  static void write(writer& w, const std::pair<A, B>& v) {
    codec<std::remove_const_t<A>>::write(w, v.first);
    codec<B>::write(w, v.second);
  }
  static void read(reader& r, std::pair<A, B>& v) {
    codec<std::remove_const_t<A>>::read(r, const_cast<std::remove_const_t<A>&>(v.first));
    codec<B>::read(r, v.second);
  }
};

template <class... Ts>
struct codec<std::tuple<Ts...>> {
  static constexpr bool ok = (codec<Ts>::ok && ...);
  using parts = type_list<Ts...>;
  static void write(writer& w, const std::tuple<Ts...>& v) {
    std::apply([&](const auto&... e) { (codec<std::remove_cvref_t<decltype(e)>>::write(w, e), ...); }, v);
  }
  static void read(reader& r, std::tuple<Ts...>& v) {
    std::apply([&](auto&... e) { (codec<std::remove_cvref_t<decltype(e)>>::read(r, e), ...); }, v);
  }
};

template <class T>
struct codec<std::optional<T>> {
  static constexpr bool ok = codec<T>::ok;
  using parts = type_list<T>;
  static void write(writer& w, const std::optional<T>& v) {
    w.write_pod(static_cast<std::uint8_t>(v.has_value()));
    if (v) codec<T>::write(w, *v);
  }
  static void read(reader& r, std::optional<T>& v) {
    auto has = r.read_pod<std::uint8_t>();
    if (has > 1) throw error("actors codec: malformed optional");
    if (!has) {
      v.reset();
      return;
    }
    v.emplace();
    codec<T>::read(r, *v);
  }
};

template <class... Ts>
struct codec<std::variant<Ts...>> {
  static constexpr bool ok = (codec<Ts>::ok && ...);
  using parts = type_list<Ts...>;
  static void write(writer& w, const std::variant<Ts...>& v) {
    w.write_pod(static_cast<std::uint32_t>(v.index()));
    std::visit([&](const auto& e) { codec<std::remove_cvref_t<decltype(e)>>::write(w, e); }, v);
  }
  static void read(reader& r, std::variant<Ts...>& v) {
    auto index = r.read_pod<std::uint32_t>();
    if (index >= sizeof...(Ts)) throw error("actors codec: variant index out of range");
    read_alternative(r, v, index, std::index_sequence_for<Ts...>{});
  }

 private:
  template <std::size_t... I>
  static void read_alternative(reader& r, std::variant<Ts...>& v, std::uint32_t index,
                               std::index_sequence<I...>) {
    ((I == index ? (void)codec<std::variant_alternative_t<I, std::variant<Ts...>>>::read(
                       r, v.template emplace<I>())
                 : void()),
     ...);
  }
};

// ---- user structs declared with ACTORS_SERIALIZABLE ------------------------------------------

namespace detail {
template <class T, class = void>
struct has_fields : std::false_type {};
template <class T>
struct has_fields<T, std::void_t<decltype(actors_fields(std::declval<T&>()))>> : std::true_type {};

template <class Tuple>
struct fields_of;
template <class... Fs>
struct fields_of<std::tuple<Fs...>> {
  using parts = type_list<std::remove_cvref_t<Fs>...>;
  static constexpr bool ok = (codec<std::remove_cvref_t<Fs>>::ok && ...);
};
}  // namespace detail

template <class T>
struct codec<T, std::enable_if_t<detail::has_fields<T>::value>> {
  using fields = detail::fields_of<decltype(actors_fields(std::declval<T&>()))>;
  static constexpr bool ok = fields::ok;
  using parts = typename fields::parts;
  static void write(writer& w, const T& v) {
    std::apply([&](const auto&... f) { (codec<std::remove_cvref_t<decltype(f)>>::write(w, f), ...); },
               actors_fields(v));
  }
  static void read(reader& r, T& v) {
    std::apply([&](auto&... f) { (codec<std::remove_cvref_t<decltype(f)>>::read(r, f), ...); },
               actors_fields(v));
  }
};

}  // namespace actors
