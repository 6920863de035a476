#pragma once
/// ACTORS_SERIALIZABLE(type, field1, field2, ...): lets a user struct cross between processes.
/// Write it at namespace scope, in the struct's namespace, after the struct:
///
///     struct point { double x, y; std::string label; };
///     ACTORS_SERIALIZABLE(point, x, y, label)
///
/// It defines `actors_fields(point&)`, found by argument-dependent lookup, which the codec uses to
/// visit the fields in order. A trailing semicolon is optional. Up to 32 fields.

#include <tuple>

// Counts arguments and applies a macro to each: generated for up to 32 arguments.
#define ACTORS_DETAIL_CAT_(a, b) a##b
#define ACTORS_DETAIL_CAT(a, b) ACTORS_DETAIL_CAT_(a, b)
#define ACTORS_DETAIL_NTH_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, N, ...) N
#define ACTORS_DETAIL_COUNT(...) ACTORS_DETAIL_NTH_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define ACTORS_DETAIL_FIELD_1(x, f) x.f
#define ACTORS_DETAIL_FIELD_2(x, f, ...) x.f, ACTORS_DETAIL_FIELD_1(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_3(x, f, ...) x.f, ACTORS_DETAIL_FIELD_2(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_4(x, f, ...) x.f, ACTORS_DETAIL_FIELD_3(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_5(x, f, ...) x.f, ACTORS_DETAIL_FIELD_4(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_6(x, f, ...) x.f, ACTORS_DETAIL_FIELD_5(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_7(x, f, ...) x.f, ACTORS_DETAIL_FIELD_6(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_8(x, f, ...) x.f, ACTORS_DETAIL_FIELD_7(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_9(x, f, ...) x.f, ACTORS_DETAIL_FIELD_8(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_10(x, f, ...) x.f, ACTORS_DETAIL_FIELD_9(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_11(x, f, ...) x.f, ACTORS_DETAIL_FIELD_10(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_12(x, f, ...) x.f, ACTORS_DETAIL_FIELD_11(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_13(x, f, ...) x.f, ACTORS_DETAIL_FIELD_12(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_14(x, f, ...) x.f, ACTORS_DETAIL_FIELD_13(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_15(x, f, ...) x.f, ACTORS_DETAIL_FIELD_14(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_16(x, f, ...) x.f, ACTORS_DETAIL_FIELD_15(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_17(x, f, ...) x.f, ACTORS_DETAIL_FIELD_16(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_18(x, f, ...) x.f, ACTORS_DETAIL_FIELD_17(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_19(x, f, ...) x.f, ACTORS_DETAIL_FIELD_18(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_20(x, f, ...) x.f, ACTORS_DETAIL_FIELD_19(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_21(x, f, ...) x.f, ACTORS_DETAIL_FIELD_20(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_22(x, f, ...) x.f, ACTORS_DETAIL_FIELD_21(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_23(x, f, ...) x.f, ACTORS_DETAIL_FIELD_22(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_24(x, f, ...) x.f, ACTORS_DETAIL_FIELD_23(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_25(x, f, ...) x.f, ACTORS_DETAIL_FIELD_24(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_26(x, f, ...) x.f, ACTORS_DETAIL_FIELD_25(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_27(x, f, ...) x.f, ACTORS_DETAIL_FIELD_26(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_28(x, f, ...) x.f, ACTORS_DETAIL_FIELD_27(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_29(x, f, ...) x.f, ACTORS_DETAIL_FIELD_28(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_30(x, f, ...) x.f, ACTORS_DETAIL_FIELD_29(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_31(x, f, ...) x.f, ACTORS_DETAIL_FIELD_30(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELD_32(x, f, ...) x.f, ACTORS_DETAIL_FIELD_31(x, __VA_ARGS__)
#define ACTORS_DETAIL_FIELDS(x, ...) \
  ACTORS_DETAIL_CAT(ACTORS_DETAIL_FIELD_, ACTORS_DETAIL_COUNT(__VA_ARGS__))(x, __VA_ARGS__)

#define ACTORS_SERIALIZABLE(type, ...)                                                     \
  [[maybe_unused]] inline auto actors_fields(type& actors_value) {                         \
    return std::tie(ACTORS_DETAIL_FIELDS(actors_value, __VA_ARGS__));                      \
  }                                                                                        \
  [[maybe_unused]] inline auto actors_fields(const type& actors_value) {                   \
    return std::tie(ACTORS_DETAIL_FIELDS(actors_value, __VA_ARGS__));                      \
  }
