#include "session.hpp"

#include "cluster/worker_process.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace actors::cli {

namespace {

void make_dir(const fs::path& p, fs::perms mode) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw std::runtime_error("cannot create " + p.string() + ": " + ec.message());
  fs::permissions(p, mode, ec);
  if (ec) throw std::runtime_error("cannot set the permissions of " + p.string() + ": " + ec.message());
}

std::string session_name() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y-%m-%d_%H-%M-%S", &local);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count() % 1000000;
  return "session_" + std::string(stamp.data()) + "_" + std::to_string(micros) + "_" + std::to_string(::getpid());
}

}  // namespace

session create_session(const fs::path& temp_dir) {
  // The temp dir may be shared by several users' clusters (as /tmp/ray is); each session is
  // private to its owner.
  if (!fs::exists(temp_dir)) make_dir(temp_dir, fs::perms::owner_all | fs::perms::group_read |
                                                    fs::perms::group_exec | fs::perms::others_read |
                                                    fs::perms::others_exec);
  session s{temp_dir / session_name()};
  if (fs::exists(s.dir)) throw std::runtime_error(s.dir.string() + " exists already");
  make_dir(s.dir, fs::perms::owner_all);
  for (const auto& sub : {s.logs(), s.sockets(), s.nodes()}) make_dir(sub, fs::perms::owner_all);

  // session_latest is replaced atomically: a link under a temporary name renamed over it.
  auto latest = temp_dir / "session_latest";
  auto staging = temp_dir / ("session_latest." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove(staging, ec);
  fs::create_symlink(s.dir.filename(), staging, ec);
  if (!ec) fs::rename(staging, latest, ec);
  if (ec) throw std::runtime_error("cannot point " + latest.string() + " at " + s.dir.string() + ": " + ec.message());
  return s;
}

void write_node_record(const session& s, const node_record& r) {
  nlohmann::json j = {{"node_id", r.node_id},       {"role", r.role},
                      {"pid", r.pid},               {"start_ticks", r.start_ticks},
                      {"address", r.address},       {"head_address", r.head_address},
                      {"unix_socket", r.unix_socket}, {"log_file", r.log_file},
                      {"session_dir", s.dir.string()}};
  auto path = s.nodes() / (r.node_id + ".json");
  auto staging = path;
  staging += ".tmp";
  {
    std::ofstream out(staging);
    out << j.dump(2) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + staging.string());
  }
  std::error_code ec;
  fs::rename(staging, path, ec);
  if (ec) throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
}

std::vector<node_record> find_node_records(const fs::path& temp_dir) {
  std::vector<node_record> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(temp_dir, ec)) {
    auto name = entry.path().filename().string();
    // session_latest is a link to one of the others: skip it, or each record is found twice.
    if (name.rfind("session_", 0) != 0 || name == "session_latest" || entry.is_symlink()) continue;
    std::error_code inner;
    for (const auto& file : fs::directory_iterator(entry.path() / "nodes", inner)) {
      if (file.path().extension() != ".json") continue;
      try {
        std::ifstream in(file.path());
        auto j = nlohmann::json::parse(in);
        node_record r;
        r.node_id = j.at("node_id").get<std::string>();
        r.role = j.at("role").get<std::string>();
        r.pid = j.at("pid").get<pid_t>();
        r.start_ticks = j.at("start_ticks").get<std::uint64_t>();
        r.address = j.at("address").get<std::string>();
        r.head_address = j.at("head_address").get<std::string>();
        r.unix_socket = j.at("unix_socket").get<std::string>();
        r.log_file = j.at("log_file").get<std::string>();
        r.file = file.path();
        out.push_back(std::move(r));
      } catch (const nlohmann::json::exception&) {
        // A record being written or damaged: not a daemon we can vouch for.
      }
    }
  }
  return out;
}

std::optional<std::uint64_t> process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!pid || !std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string state;
  fields >> state;  // field 3
  if (state == "Z" || state == "X") return std::nullopt;
  std::string skip;
  for (int field = 4; field < 22; ++field) fields >> skip;
  std::uint64_t ticks = 0;
  if (!(fields >> ticks)) return std::nullopt;  // field 22: starttime
  return ticks;
}

bool is_running(const node_record& r) {
  auto ticks = process_start_ticks(r.pid);
  return ticks && *ticks == r.start_ticks;
}

std::string new_node_id() { return cluster::random_id(); }

}  // namespace actors::cli
