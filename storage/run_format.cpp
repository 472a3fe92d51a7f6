// The formatters.
#include "storage/run_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sy::store {
namespace {

long long whole_seconds(double seconds) {
  return std::isfinite(seconds) ? std::llround(std::max(0.0, seconds)) : 0;
}

}  // namespace

std::string format_percent(std::optional<double> fraction, bool sign) {
  if (!fraction || !std::isfinite(*fraction)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, sign ? "%+.1f" : "%.1f", *fraction * 100.0);
  return buf;
}

std::string format_duration(double seconds) {
  const long long s = whole_seconds(seconds);
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string format_eta(double seconds) {
  const long long s = whole_seconds(seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

}  // namespace sy::store
