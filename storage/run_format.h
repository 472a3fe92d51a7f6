// How run figures read as text, everywhere they are shown (the CLI's tables, progress lines and
// the GUI): percentages, durations and time left. Torch- and Qt-free, so the engine, app/ and
// ui/ share one formatter each.
#pragma once

#include <optional>
#include <string>

namespace sy::store {

// A fraction as a percentage with one decimal ("47.5", with `sign` "+1.2"); "-" for nullopt,
// NaN or infinity.
std::string format_percent(std::optional<double> fraction, bool sign = false);
// Whole seconds (rounded), "M:SS" below an hour, else "H:MM:SS"; negative counts as 0.
std::string format_duration(double seconds);
// Time left as "H:MM:SS" always (a column of ETAs lines up); negative counts as 0.
std::string format_eta(double seconds);

}  // namespace sy::store
