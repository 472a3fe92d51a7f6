// Progress lines.
#include "engine/util/progress.h"

#include <cmath>
#include <cstdio>

#include "storage/run_format.h"

namespace sy {

std::string format_progress_line(const char* what, long long step, long long total, double loss,
                                 double lr, double tokens_per_s, double elapsed_s, double eta_s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s step %lld/%lld (%3.0f%%)  loss %.4f  lr %.2e  %.0f tok/s  elapsed %s  ETA %s",
                what, step, total, 100.0 * double(step) / double(std::max(1LL, total)), loss, lr,
                tokens_per_s, store::format_duration(elapsed_s).c_str(),
                store::format_duration(eta_s).c_str());
  return buf;
}

}  // namespace sy
