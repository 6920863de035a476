#pragma once
/// The one header a user of actors needs.
///
///     int add(int a, int b) { return a + b; }
///     ACTORS_REMOTE(add)
///     int main(int argc, char** argv) {
///       actors::init(argc, argv);
///       int three = actors::get(actors::task(add).remote(1, 2));
///       actors::shutdown();
///     }

#include <actors/actor.hpp>
#include <actors/array_view.hpp>
#include <actors/codec.hpp>
#include <actors/config.hpp>
#include <actors/error.hpp>
#include <actors/ids.hpp>
#include <actors/object_ref.hpp>
#include <actors/registry.hpp>
#include <actors/serializable.hpp>
#include <actors/task.hpp>
