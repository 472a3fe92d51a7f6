// How the store-reading commands (list, show, export) present runs: the text tables, the JSON
// documents and the CSV fields. Pure functions of store records, so they need no LibTorch and no
// open database.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/records.h"
#include "storage/run_summary.h"

namespace sy::report {

// "YYYY-MM-DD HH:MM" in local time.
std::string local_time(int64_t unix_ms);
// The label tables show: the stored one, or the strategy's name when it is empty.
std::string display_label(const sy::store::RunRecord& run);

// Columns padded to their widest cell; `right[i]` right-aligns column i (numbers).
class TextTable {
 public:
  explicit TextTable(std::vector<bool> right) : right_(std::move(right)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Every row on its own line, after `indent`; trailing spaces trimmed.
  void print(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// One row of `list`.
nlohmann::ordered_json run_list_json(const sy::store::RunRecord& run,
                                     const sy::store::RunSummary& summary, int64_t now_ms);
void print_run_list(std::ostream& out, const std::vector<sy::store::RunRecord>& runs,
                    const std::vector<sy::store::RunSummary>& summaries, int64_t now_ms);

// Everything `show` knows about a run, as text or as one JSON object.
nlohmann::ordered_json run_json(const sy::store::RunData& data, int64_t now_ms);
void print_run(std::ostream& out, const sy::store::RunData& data, int64_t now_ms);
nlohmann::ordered_json train_points_json(const std::vector<sy::store::TrainPoint>& points);

// RFC 4180: quoted when it holds a comma, a double quote, CR or LF; quotes doubled.
std::string csv_field(const std::string& text);
// The shortest text that reads back as the same double; "" for NaN.
std::string csv_number(double value);
// Fields joined by commas, ended by CRLF (as RFC 4180 asks). Fields must be quoted already.
std::string csv_line(const std::vector<std::string>& fields);

// A JSON document stored as text: parsed when it parses, else kept as a string.
nlohmann::ordered_json json_or_text(const std::string& text);

}  // namespace sy::report
