// One progress line for long work: step, loss, tokens/s and time left.
#pragma once

#include <string>

namespace sy {

std::string format_progress_line(const char* what, long long step, long long total, double loss,
                                 double lr, double tokens_per_s, double elapsed_s, double eta_s);

}  // namespace sy
