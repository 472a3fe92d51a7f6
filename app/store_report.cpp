// Text tables, JSON documents and CSV fields for the store-reading commands.
#include "app/store_report.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "engine/cl/strategy_traits.h"
#include "engine/util/json_file.h"
#include "storage/run_duration.h"
#include "storage/run_format.h"

namespace sy::report {

using json = nlohmann::ordered_json;  // keys in the order written, for readers
using sy::store::format_duration;
using sy::store::format_percent;
using sy::store::parse_run_summary;
using sy::store::run_duration_ms;
using sy::store::RunData;
using sy::store::RunRecord;
using sy::store::RunStatus;
using sy::store::RunSummary;
using sy::store::summary_metrics;

namespace {

json optional_json(std::optional<double> v) {
  return v && !std::isnan(*v) ? json(*v) : json(nullptr);
}

json optional_json(std::optional<int64_t> v) {
  return v ? json(*v) : json(nullptr);
}

json number_or_null(double v) {
  return std::isnan(v) ? json(nullptr) : json(v);
}

// Code points, not bytes: task names and labels may be UTF-8.
size_t display_width(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string time_or_dash(std::optional<int64_t> ms) {
  return ms ? local_time(*ms) : "-";
}

std::string task_title(const RunData& data, size_t position) {
  std::string title = std::to_string(position + 1);
  if (position < data.tasks.size()) title += " " + data.tasks[position].name;
  return title;
}

std::string row_title(const RunData& data, size_t after_stage) {
  if (after_stage == 0) return "0 (base)";
  std::string title = std::to_string(after_stage);
  const sy::StrategyTraits* traits = sy::find_strategy_traits(data.run.strategy);
  if (traits && traits->stages == sy::StageRule::One) {
    title += " (all)";  // one stage of every task
  } else if (after_stage - 1 < data.tasks.size()) {
    title += " (" + data.tasks[after_stage - 1].name + ")";
  }
  return title;
}

}  // namespace

std::string local_time(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string display_label(const RunRecord& run) {
  return run.label.empty() ? run.strategy : run.label;
}

void TextTable::print(std::ostream& out, const std::string& indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  for (const auto& row : rows_) {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - display_width(row[c]), ' ');
      const bool right = c < right_.size() && right_[c];
      if (c > 0) line += "  ";
      line += right ? pad + row[c] : row[c] + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

json run_list_json(const RunRecord& run, const RunSummary& summary, int64_t now_ms) {
  const auto duration = run_duration_ms(run, now_ms);
  return json{
      {"id", run.id},
      {"experiment_id", run.experiment_id},
      {"experiment", run.experiment_name},
      {"label", display_label(run)},
      {"strategy", run.strategy},
      {"seed", run.seed},
      {"status", sy::store::run_status_name(run.status)},
      {"stages_done", run.last_finished_stage},
      {"stages_total", run.stage_count},
      {"ap", optional_json(summary.ap)},
      {"started", run.started_at_ms ? json(local_time(*run.started_at_ms)) : json(nullptr)},
      {"started_at_ms", optional_json(run.started_at_ms)},
      {"duration_s", duration ? json(double(*duration) / 1000.0) : json(nullptr)},
      {"tags", run.tags},
  };
}

void print_run_list(std::ostream& out, const std::vector<RunRecord>& runs,
                    const std::vector<RunSummary>& summaries, int64_t now_ms) {
  TextTable table({true, false, false, false, true, false, true, true, false, true});
  table.add({"id", "experiment", "label", "strategy", "seed", "status", "stages", "AP %", "started",
             "duration"});
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& r = runs[i];
    const auto duration = run_duration_ms(r, now_ms);
    table.add({std::to_string(r.id), r.experiment_name, display_label(r), r.strategy,
               std::to_string(r.seed), sy::store::run_status_name(r.status),
               std::to_string(r.last_finished_stage) + "/" + std::to_string(r.stage_count),
               format_percent(summaries[i].ap), time_or_dash(r.started_at_ms),
               duration ? format_duration(double(*duration) / 1000.0) : "-"});
  }
  table.print(out);
}

json json_or_text(const std::string& text) {
  std::optional<json> doc = sy::try_parse_json<json>(text);
  return doc ? std::move(*doc) : json(text);
}

json run_json(const RunData& data, int64_t now_ms) {
  const RunRecord& r = data.run;
  const auto duration = run_duration_ms(r, now_ms);
  json doc{
      {"id", r.id},
      {"experiment_id", r.experiment_id},
      {"experiment", r.experiment_name},
      {"label", display_label(r)},
      {"strategy", r.strategy},
      {"seed", r.seed},
      {"status", sy::store::run_status_name(r.status)},
      {"status_reason", r.status_reason},
      {"device", r.device},
      {"engine_version", r.engine_version},
      {"host", r.host},
      {"pid", r.pid},
      {"created_at_ms", r.created_at_ms},
      {"started_at_ms", optional_json(r.started_at_ms)},
      {"finished_at_ms", optional_json(r.finished_at_ms)},
      {"duration_s", duration ? json(double(*duration) / 1000.0) : json(nullptr)},
      {"stages_done", r.last_finished_stage},
      {"stages_total", r.stage_count},
      {"config", json_or_text(data.config_json)},
      {"tags", r.tags},
  };

  json tasks = json::array();
  for (size_t p = 0; p < data.tasks.size(); ++p) {
    json task{{"position", p},
              {"stage", p + 1},
              {"name", data.tasks[p].name},
              {"metric", data.tasks[p].metric},
              {"stage_status", nullptr},
              {"stage_started_at_ms", nullptr},
              {"stage_finished_at_ms", nullptr}};
    for (const auto& s : data.stages) {
      if (s.stage != int(p) + 1) continue;
      task["stage_status"] = s.status == sy::store::StageStatus::Finished ? "finished" : "running";
      task["stage_started_at_ms"] = s.started_at_ms;
      task["stage_finished_at_ms"] = optional_json(s.finished_at_ms);
    }
    tasks.push_back(task);
  }
  doc["tasks"] = tasks;

  json matrix = json::array();
  for (const auto& row : sy::store::score_matrix(data)) {
    json cells = json::array();
    for (double v : row) cells.push_back(number_or_null(v));
    matrix.push_back(cells);
  }
  doc["score_matrix"] = matrix;

  // The stored summary as it is, with the five metrics always present (null when absent).
  json summary = sy::try_parse_json<json>(data.run.summary_json).value_or(json());
  if (!summary.is_object()) summary = json::object();
  for (const auto& [name, value] : summary_metrics(parse_run_summary(data.run.summary_json))) {
    summary[name] = optional_json(value);
  }
  doc["summary"] = summary;

  json confusions = json::array();
  for (const auto& c : data.confusions) {
    confusions.push_back(
        {{"after_stage", c.after_stage}, {"labels", c.labels}, {"counts", c.counts}});
  }
  doc["confusions"] = confusions;

  json adapters = json::array();
  for (const auto& a : data.adapters) {
    const size_t p = static_cast<size_t>(a.position);
    adapters.push_back({{"position", a.position},
                        {"task", p < data.tasks.size() ? json(data.tasks[p].name) : json(nullptr)},
                        {"parameter_count", a.parameter_count},
                        {"size_bytes", a.size_bytes},
                        {"sha256", a.sha256},
                        {"created_at_ms", a.created_at_ms},
                        {"config", json_or_text(a.config_json)}});
  }
  doc["adapters"] = adapters;

  json notes = json::array();
  for (const auto& n : data.notes) {
    notes.push_back({{"id", n.id}, {"text", n.text}, {"created_at_ms", n.created_at_ms}});
  }
  doc["notes"] = notes;
  return doc;
}

json train_points_json(const std::vector<sy::store::TrainPoint>& points) {
  json out = json::array();
  for (const auto& p : points) {
    out.push_back({{"stage", p.stage},
                   {"step", p.step},
                   {"loss", number_or_null(p.loss)},
                   {"lr", number_or_null(p.lr)},
                   {"tokens_per_s", number_or_null(p.tokens_per_s)}});
  }
  return out;
}

void print_run(std::ostream& out, const RunData& data, int64_t now_ms) {
  const RunRecord& r = data.run;
  out << "run " << r.id << ": " << r.experiment_name << " / " << display_label(r) << "\n";
  std::string status = sy::store::run_status_name(r.status);
  if (!r.status_reason.empty()) status += " (" + r.status_reason + ")";
  const auto duration = run_duration_ms(r, now_ms);
  TextTable header({false, false});
  header.add(
      {"experiment", r.experiment_name + " (experiment " + std::to_string(r.experiment_id) + ")"});
  header.add({"label", display_label(r)});
  header.add({"strategy", r.strategy});
  header.add({"seed", std::to_string(r.seed)});
  header.add({"status", status});
  header.add({"device", r.device.empty() ? "-" : r.device});
  header.add({"engine version", r.engine_version.empty() ? "-" : r.engine_version});
  if (r.pid != 0) header.add({"process", "pid " + std::to_string(r.pid) + " on " + r.host});
  header.add({"created", local_time(r.created_at_ms)});
  header.add({"started", time_or_dash(r.started_at_ms)});
  header.add({"finished", time_or_dash(r.finished_at_ms)});
  header.add({"duration", duration ? format_duration(double(*duration) / 1000.0) : "-"});
  header.add({"stages", std::to_string(r.last_finished_stage) + " of " +
                            std::to_string(r.stage_count) + " finished"});
  header.print(out, "  ");

  out << "\ntasks\n";
  if (data.tasks.empty()) {
    out << "  none recorded yet\n";
  } else {
    TextTable tasks({true, false, false, false, false, false});
    tasks.add({"#", "task", "metric", "stage", "started", "finished"});
    for (size_t p = 0; p < data.tasks.size(); ++p) {
      std::string state = "-", started = "-", finished = "-";
      for (const auto& s : data.stages) {
        if (s.stage != int(p) + 1) continue;
        // A stage left running by a run that has ended will not finish.
        state = s.status == sy::store::StageStatus::Finished ? "finished"
                : sy::store::is_terminal(r.status)           ? "unfinished"
                                                             : "running";
        started = local_time(s.started_at_ms);
        finished = time_or_dash(s.finished_at_ms);
      }
      tasks.add({std::to_string(p + 1), data.tasks[p].name, data.tasks[p].metric, state, started,
                 finished});
    }
    tasks.print(out, "  ");
  }

  out << "\nscore matrix (%; row: after stage, column: task)\n";
  const std::vector<std::vector<double>> scores = sy::store::score_matrix(data);
  if (scores.empty()) {
    out << "  no scores yet\n";
  } else {
    const size_t width = scores.front().size();
    std::vector<bool> right(width + 1, true);
    right[0] = false;
    TextTable matrix(right);
    std::vector<std::string> head{""};
    for (size_t j = 0; j < width; ++j) head.push_back(task_title(data, j));
    matrix.add(head);
    for (size_t i = 0; i < scores.size(); ++i) {
      std::vector<std::string> row{row_title(data, i)};
      for (double v : scores[i]) row.push_back(format_percent(v));
      matrix.add(row);
    }
    matrix.print(out, "  ");
  }

  out << "\nsummary (%)\n";
  const RunSummary summary = parse_run_summary(data.run.summary_json);
  if (!summary.present) {
    out << "  none stored yet\n";
  } else {
    TextTable table({false, true});
    table.add({"AP", format_percent(summary.ap)});
    table.add({"forgetting", format_percent(summary.forgetting)});
    table.add({"BWT", format_percent(summary.bwt, true)});
    table.add({"FWT", format_percent(summary.fwt, true)});
    table.add({"router accuracy", format_percent(summary.router_accuracy)});
    table.print(out, "  ");
  }

  for (const auto& c : data.confusions) {
    out << "\nrouter confusion after stage " << c.after_stage
        << " (rows: true task, columns: predicted)\n";
    std::vector<bool> right(c.labels.size() + 1, true);
    right[0] = false;
    TextTable table(right);
    std::vector<std::string> head{""};
    head.insert(head.end(), c.labels.begin(), c.labels.end());
    table.add(head);
    for (size_t i = 0; i < c.counts.size(); ++i) {
      std::vector<std::string> row{i < c.labels.size() ? c.labels[i] : std::to_string(i)};
      for (int64_t n : c.counts[i]) row.push_back(std::to_string(n));
      table.add(row);
    }
    table.print(out, "  ");
  }

  out << "\nadapters\n";
  if (data.adapters.empty()) {
    out << "  none stored\n";
  } else {
    TextTable table({true, false, true, true, false});
    table.add({"#", "task", "parameters", "bytes", "sha256"});
    for (const auto& a : data.adapters) {
      const size_t p = static_cast<size_t>(a.position);
      table.add({std::to_string(p + 1), p < data.tasks.size() ? data.tasks[p].name : "-",
                 std::to_string(a.parameter_count), std::to_string(a.size_bytes),
                 a.sha256.substr(0, 12)});
    }
    table.print(out, "  ");
  }

  out << "\ntags: ";
  if (r.tags.empty()) out << "none";
  for (size_t i = 0; i < r.tags.size(); ++i) out << (i ? ", " : "") << r.tags[i];
  out << "\n\nnotes\n";
  if (data.notes.empty()) out << "  none\n";
  for (const auto& n : data.notes) {
    // Later lines of a note line up under its first.
    std::string text;
    for (char ch : n.text)
      text += ch == '\n' ? std::string("\n") + std::string(20, ' ') : std::string(1, ch);
    out << "  " << local_time(n.created_at_ms) << "  " << text << "\n";
  }
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  return quoted + "\"";
}

std::string csv_number(double value) {
  if (std::isnan(value)) return "";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += fields[i];
  }
  return line + "\r\n";
}

}  // namespace sy::report
