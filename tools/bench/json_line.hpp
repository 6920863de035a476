#pragma once
/// One result of actors-bench as a JSON object on one line:
///
///     json_line("single_client_put_calls", 1.2e6, "puts/s").add("repeats", 5).str("embedded")
///     // {"metric": "single_client_put_calls", "value": 1200000, "unit": "puts/s", "mode": "embedded", "repeats": 5}
///
/// A value that is not finite (a metric that failed) is written as null. A plain value type;
/// not shared between threads.

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace actors_bench {

class json_line {
 public:
  json_line(std::string metric, double value, std::string unit)
      : metric_(std::move(metric)), value_(value), unit_(std::move(unit)) {}

  const std::string& metric() const noexcept { return metric_; }

  json_line& add(const std::string& key, double v) { return raw(key, number(v)); }
  json_line& add(const std::string& key, int v) { return raw(key, std::to_string(v)); }
  json_line& add(const std::string& key, const char* v) { return raw(key, quote(v)); }
  json_line& add(const std::string& key, const std::string& v) { return raw(key, quote(v)); }
  json_line& add(const std::string& key, const std::vector<double>& vs) {
    std::string out = "[";
    for (std::size_t i = 0; i < vs.size(); ++i) out += (i ? ", " : "") + number(vs[i]);
    return raw(key, out + "]");
  }

  /// The line, without its newline; `mode` is "embedded" or "cluster".
  std::string str(const std::string& mode) const {
    std::string out = "{\"metric\": " + quote(metric_) + ", \"value\": " + number(value_) +
                      ", \"unit\": " + quote(unit_) + ", \"mode\": " + quote(mode);
    for (const auto& [key, text] : extra_) out += ", " + quote(key) + ": " + text;
    return out + "}";
  }

  /// Six significant digits without an exponent, which reads better in a table than %g:
  /// 1234567.8 -> "1234568", 0.000123456 -> "0.000123456".
  static std::string number(double v) {
    if (!std::isfinite(v)) return "null";
    if (v == 0) return "0";
    int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(v))));
    char buf[64];
    if (magnitude > 15 || magnitude < -9) {
      std::snprintf(buf, sizeof buf, "%.6g", v);
      return buf;
    }
    int decimals = magnitude >= 5 ? 0 : 5 - magnitude;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }

 private:
  json_line& raw(const std::string& key, std::string text) {
    extra_.emplace_back(key, std::move(text));
    return *this;
  }

  static std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

  std::string metric_;
  double value_;
  std::string unit_;
  std::vector<std::pair<std::string, std::string>> extra_;
};

}  // namespace actors_bench
