// A run's summary document — {"ap", "forgetting", "bwt", "fwt", "router_accuracy"}, fractions in
// [0, 1] or null — written once by the engine and read by every reader (the store commands, the
// GUI, plan imports) through this one parser. Torch- and Qt-free.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sy::store {

struct RunSummary {
  bool present = false;  // a JSON object was read (false for an empty or malformed document)
  std::optional<double> ap, forgetting, bwt, fwt, router_accuracy;
};

// Tolerates an empty, malformed or partial document: missing or non-number fields stay nullopt.
RunSummary parse_run_summary(const std::string& json_text);
// The document, every field present (null where undefined).
std::string run_summary_json(const RunSummary& summary);
// The five metrics as (key, value) pairs, in the order tables show them.
std::vector<std::pair<std::string, std::optional<double>>> summary_metrics(const RunSummary& s);

}  // namespace sy::store
