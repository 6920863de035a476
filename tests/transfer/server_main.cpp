// transfer_test_server: an object server in a process of its own, for the tests that need the
// other node to be really elsewhere (and killable).
//
//   transfer_test_server --address tcp://127.0.0.1:0 --token HEX --capacity BYTES
//                        [--object LO:SIZE:SEED]...
//
// Fills each object (id {0x7e57, LO}) with the pattern of SEED, listens, prints
// "listening <address>" and serves until its stdin closes; exit status 0, or 2 on bad input.
#include "transfer/object_server.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"

#include "../object_store/pattern.hpp"

#include <actors/object_store/arena.hpp>
#include <actors/object_store/store.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace net = actors::net;
namespace os = actors::object_store;

namespace {

int bad(const std::string& why) {
  std::fprintf(stderr, "transfer_test_server: %s\n", why.c_str());
  return 2;
}

struct object_spec {
  std::uint64_t lo = 0, size = 0, seed = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string where = "tcp://127.0.0.1:0", token_hex;
  std::uint64_t capacity = 256ull << 20;
  std::vector<object_spec> objects;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--address") {
      where = value;
    } else if (flag == "--token") {
      token_hex = value;
    } else if (flag == "--capacity") {
      capacity = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--object") {
      object_spec o;
      if (std::sscanf(value.c_str(), "%lu:%lu:%lu", &o.lo, &o.size, &o.seed) != 3) return bad("bad --object " + value);
      objects.push_back(o);
    } else {
      return bad("unknown flag " + std::string(flag));
    }
  }
  const auto token = net::cluster_token::from_hex(token_hex);
  if (!token) return bad("bad --token");
  const auto address = net::parse_address(where);
  if (!address) return bad("bad --address");

  auto memory = os::arena::open({.capacity = capacity, .prefault_ahead = 0});
  if (!memory) return bad("arena: " + std::string(os::to_string(memory.error())));
  os::store store(*memory);
  for (const auto& o : objects) {
    const os::object_id id{.hi = 0x7e57, .lo = o.lo};
    auto data = store.create(id, o.size);
    if (!data) return bad("create: " + std::string(os::to_string(data.error())));
    object_store_test::fill_pattern({*data, o.size}, o.seed);
    store.seal(id);
  }
  {
    net::io_pool io(1);
    auto server = actors::transfer::object_server::make(store);
    auto l = net::listener::open(io.context(), *address, *token, server->handlers());
    if (!l) return bad("listen: " + to_string(l.error()));
    std::printf("listening %s\n", (*l)->local_address().to_string().c_str());
    std::fflush(stdout);
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
    (*l)->close();
    io.stop();
  }
  return 0;
}
