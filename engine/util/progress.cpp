// Progress lines.
#include "engine/util/progress.h"

#include <cmath>
#include <cstdio>

namespace sy {

std::string format_duration(double seconds) {
  const long long s = std::llround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string format_progress_line(const char* what, long long step, long long total, double loss,
                                 double lr, double tokens_per_s, double elapsed_s, double eta_s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s step %lld/%lld (%3.0f%%)  loss %.4f  lr %.2e  %.0f tok/s  elapsed %s  ETA %s",
                what, step, total, 100.0 * double(step) / double(std::max(1LL, total)), loss, lr,
                tokens_per_s, format_duration(elapsed_s).c_str(), format_duration(eta_s).c_str());
  return buf;
}

}  // namespace sy
