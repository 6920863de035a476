// API.md: h.task(m) accepts member functions "with any const, noexcept or reference qualifier",
// which includes && and const&&. Such a method is called on the actor as an rvalue; the actor
// stays alive and usable afterwards.
#include "runtime_fixture.hpp"

#include <actors/actors.hpp>

#include <doctest/doctest.h>

namespace rvalue_methods {

struct widget {
  int uses = 0;
  static widget make() { return {}; }
  int take() && { return ++uses; }
  int take_const() const&& { return 100 + uses; }
  int take_noexcept() && noexcept { return ++uses; }
};

}  // namespace rvalue_methods

ACTORS_REMOTE(rvalue_methods::widget::make, &rvalue_methods::widget::take, &rvalue_methods::widget::take_const,
              &rvalue_methods::widget::take_noexcept)

TEST_SUITE("actors") {
  TEST_CASE("rvalue-qualified methods can be called and the actor keeps its state" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    using rvalue_methods::widget;
    auto h = actors::actor(widget::make).remote();
    CHECK(actors::get(h.task(&widget::take).remote()) == 1);
    CHECK(actors::get(h.task(&widget::take_const).remote()) == 101);
    CHECK(actors::get(h.task(&widget::take_noexcept).remote()) == 2);
  }
}
