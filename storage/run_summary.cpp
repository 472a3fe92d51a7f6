// The summary document, read and written with nlohmann::json (header-only).
#include "storage/run_summary.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace sy::store {
namespace {

std::optional<double> number_field(const nlohmann::json& doc, const char* key) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

RunSummary parse_run_summary(const std::string& json_text) {
  RunSummary s;
  // A damaged database may hold anything here: nothing deeper than the document's own level is
  // kept (nlohmann's parser itself is iterative), so no nesting can exhaust the stack.
  const nlohmann::json doc = nlohmann::json::parse(
      json_text,
      [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) { return depth <= 2; }, false);
  if (!doc.is_object()) return s;
  s.present = true;
  s.ap = number_field(doc, "ap");
  s.forgetting = number_field(doc, "forgetting");
  s.bwt = number_field(doc, "bwt");
  s.fwt = number_field(doc, "fwt");
  s.router_accuracy = number_field(doc, "router_accuracy");
  return s;
}

std::string run_summary_json(const RunSummary& summary) {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, value] : summary_metrics(summary)) {
    doc[key] = value && std::isfinite(*value) ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  return doc.dump();
}

std::vector<std::pair<std::string, std::optional<double>>> summary_metrics(const RunSummary& s) {
  return {{"ap", s.ap},
          {"forgetting", s.forgetting},
          {"bwt", s.bwt},
          {"fwt", s.fwt},
          {"router_accuracy", s.router_accuracy}};
}

}  // namespace sy::store
