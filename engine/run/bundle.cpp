// The result bundle: written as a unit runs, checked and replayed by import.
#include "engine/run/bundle.h"

#include <cmath>
#include <filesystem>
#include <iterator>
#include <sstream>

#include "engine/model/tensor_io.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "storage/sha256.h"

namespace fs = std::filesystem;

namespace sy {
namespace {

constexpr const char* kChecksums = "checksums.sha256";
constexpr const char* kEvents = "events.jsonl";

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string file_sha256(const std::string& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  return store::sha256_hex(bytes.data(), bytes.size());
}

std::string adapter_name(size_t run, size_t position) {
  return "run" + std::to_string(run) + ".adapter" + std::to_string(position);
}

std::string checkpoint_name(size_t run) {
  return "run" + std::to_string(run) + ".checkpoint.safetensors";
}

nlohmann::json step_json(const TrainStep& s) {
  return {{"step", s.step},
          {"steps", s.total_steps},
          {"loss", s.loss},
          {"lr", s.lr},
          {"tokens_per_s", s.tokens_per_s}};
}

TrainStep step_from(const nlohmann::json& j) {
  TrainStep s;
  s.step = j.at("step").get<int64_t>();
  s.total_steps = j.at("steps").get<int64_t>();
  s.loss = j.at("loss").is_number() ? j.at("loss").get<double>() : std::nan("");
  s.lr = j.at("lr").get<double>();
  s.tokens_per_s = j.at("tokens_per_s").get<double>();
  return s;
}

std::optional<double> optional_number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

}  // namespace

// --- writing ----------------------------------------------------------------------------------

BundleFolder::BundleFolder(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::create_directories(dir_, ec);
  if (ec) throw Error("cannot create the bundle folder " + dir_ + ": " + ec.message());
  events_file_.open(fs::path(dir_) / kEvents, std::ios::binary);
  if (!events_file_) throw Error("cannot write " + (fs::path(dir_) / kEvents).string());
}

BundleWriter::BundleWriter(std::string dir)
    : BundleFolder(std::move(dir)), EventStream(events_file_) {}

void BundleWriter::write_file(const std::string& name, const void* data, size_t size) {
  const fs::path path = fs::path(dir_) / name;
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    f.flush();
    if (!f) throw Error("cannot write " + tmp.string() + " (is the disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error("cannot write " + path.string() + ": " + ec.message());
}

size_t BundleWriter::index_of(const RunProgress& run) const {
  for (size_t k = 0; k < runs_.size(); ++k) {
    if (runs_[k] == run.key) return k;
  }
  throw Error("the bundle in " + dir_ + " has no run " + run.key);
}

void BundleWriter::write_expert(const ExpertWeights& expert) {
  const std::vector<uint8_t> bytes = safetensors_bytes(expert.tensors, {{"format", "pt"}});
  write_file("expert.safetensors", bytes.data(), bytes.size());
  nlohmann::json steps = nlohmann::json::array();
  for (const TrainStep& s : expert.steps) steps.push_back(step_json(s));
  const std::string text = nlohmann::json{
      {"task", expert.task},
      {"strategy", expert.label},
      {"seed", expert.seed},
      {"steps", steps}}.dump();
  write_file("expert.json", text.data(), text.size());
}

void BundleWriter::seal() {
  events_file_.flush();
  if (!events_file_) throw Error("cannot write " + (fs::path(dir_) / kEvents).string());
  std::ostringstream sums;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name != kChecksums && entry.is_regular_file()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    sums << file_sha256((fs::path(dir_) / name).string()) << "  " << name << "\n";
  }
  const std::string text = sums.str();
  write_file(kChecksums, text.data(), text.size());
}

void BundleWriter::run_started(RunProgress& run, const StrategySpec& spec, size_t first_stage) {
  runs_.push_back(run.key);
  EventStream::run_started(run, spec, first_stage);
}

void BundleWriter::adapter_trained(const RunProgress& run, size_t position,
                                   const TrainedAdapter& adapter) {
  const std::string name = adapter_name(index_of(run), position);
  write_file(name + ".safetensors", adapter.safetensors.data(), adapter.safetensors.size());
  write_file(name + ".json", adapter.config_json.data(), adapter.config_json.size());
  EventStream::adapter_trained(run, position, adapter);
}

void BundleWriter::stage_finished(const RunProgress& run, size_t stage,
                                  const std::vector<uint8_t>& checkpoint) {
  // An expert unit's pseudo-run has no checkpoint: its result is expert.safetensors.
  if (!checkpoint.empty()) {
    write_file(checkpoint_name(index_of(run)), checkpoint.data(), checkpoint.size());
  }
  EventStream::stage_finished(run, stage, checkpoint);
}

// --- reading ----------------------------------------------------------------------------------

bool bundle_complete(const std::string& unit_dir) {
  return fs::exists(fs::path(unit_dir) / kChecksums);
}

void verify_bundle(const std::string& unit_dir, const std::string& title) {
  const fs::path sums = fs::path(unit_dir) / kChecksums;
  if (!fs::exists(sums)) {
    throw Error(unit_dir + " (" + title + ") is not complete: the unit has not finished");
  }
  std::ifstream in(sums);
  std::string line;
  bool has_events = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t split = line.find("  ");
    if (split != 64) throw Error(sums.string() + ": a line is not \"SHA256  FILE\"");
    const std::string name = line.substr(split + 2);
    if (name.empty() || name.find('/') != std::string::npos || name == "..") {
      throw Error(sums.string() + " names a file outside the bundle: " + name);
    }
    const fs::path file = fs::path(unit_dir) / name;
    if (!fs::exists(file)) throw Error(file.string() + " (" + title + ") is missing");
    if (file_sha256(file.string()) != line.substr(0, 64)) {
      throw Error(file.string() + " (" + title +
                  ") does not match its SHA-256 in checksums.sha256: the bundle is damaged; "
                  "run the unit again");
    }
    has_events = has_events || name == kEvents;
  }
  if (!has_events) throw Error(sums.string() + " (" + title + ") lists no events.jsonl");
}

ExpertWeights read_expert(const std::string& unit_dir, bool with_steps) {
  const std::string meta_file = (fs::path(unit_dir) / "expert.json").string();
  const nlohmann::json meta = read_json_file(meta_file);
  ExpertWeights e;
  try {
    e.task = meta.at("task").get<size_t>();
    e.label = meta.at("strategy").get<std::string>();
    e.seed = meta.at("seed").get<uint64_t>();
    if (with_steps) {
      for (const auto& s : meta.at("steps")) e.steps.push_back(step_from(s));
    }
  } catch (const nlohmann::json::exception& ex) {
    throw Error(meta_file + " is not an expert's description: " + ex.what());
  }
  const std::string tensors = (fs::path(unit_dir) / "expert.safetensors").string();
  e.tensors = load_safetensors(tensors);
  return e;
}

std::vector<BundledRun> read_bundled_runs(const std::string& unit_dir) {
  const std::string file = (fs::path(unit_dir) / kEvents).string();
  std::ifstream in(file);
  if (!in) throw Error("cannot read " + file);
  std::vector<BundledRun> runs;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::optional<nlohmann::json> parsed = try_parse_json(line);
    if (!parsed) throw Error(file + ":" + std::to_string(number) + " is not a JSON event");
    const nlohmann::json& event = *parsed;
    if (!event.is_object() || !event.contains("key") || !event["key"].is_string()) continue;
    const std::string key = event["key"].get<std::string>();
    auto it =
        std::find_if(runs.begin(), runs.end(), [&](const BundledRun& r) { return r.key == key; });
    if (it == runs.end()) {
      runs.push_back(BundledRun{key, runs.size(), {}});
      it = runs.end() - 1;
    }
    it->events.push_back(std::move(event));
  }
  return runs;
}

RunProgress replay_run(const BundledRun& bundled, const StrategySpec& spec,
                       const std::string& unit_dir, RunObserver& observer) {
  const std::string where = unit_dir + "/events.jsonl, run " + bundled.key;
  RunProgress run;
  size_t last_finished = 0;
  for (const auto& e : bundled.events) {
    if (e.value("type", "") == "stage_finished") last_finished = e.at("stage").get<size_t>();
  }
  bool ended = false;
  try {
    for (const auto& e : bundled.events) {
      const std::string type = e.at("type").get<std::string>();
      if (type == "run_started") {
        run.key = bundled.key;
        run.strategy = e.at("strategy").get<std::string>();
        run.label = e.at("label").get<std::string>();
        run.seed = e.at("seed").get<uint64_t>();
        run.tasks = e.at("tasks").get<std::vector<std::string>>();
        run.metrics = e.at("metrics").get<std::vector<std::string>>();
        run.stages = e.at("stages").get<size_t>();
        run.device = e.at("device").get<std::string>();
        observer.run_started(run, spec, e.at("first_stage").get<size_t>());
      } else if (type == "stage_started") {
        observer.stage_started(run, e.at("stage").get<size_t>());
      } else if (type == "train_step") {
        observer.train_step(run, e.at("stage").get<size_t>(), e.at("what").get<std::string>(),
                            step_from(e));
      } else if (type == "evaluation") {
        const size_t row = e.at("after_stage").get<size_t>();
        if (run.score_matrix.size() <= row) run.score_matrix.resize(row + 1);
        std::vector<double> values;
        for (const auto& cell : e.at("scores")) {
          values.push_back(cell.at("value").is_number() ? cell.at("value").get<double>()
                                                        : std::nan(""));
        }
        run.score_matrix[row] = values;
        observer.row_evaluated(run, row);
      } else if (type == "router") {
        run.router_confusion.push_back(e.at("counts").get<std::vector<std::vector<int64_t>>>());
        run.summary.router_accuracy = optional_number(e, "accuracy");
        observer.router_evaluated(run, e.at("after_stage").get<size_t>());
      } else if (type == "adapter_saved") {
        const size_t position = e.at("position").get<size_t>();
        const std::string name =
            (fs::path(unit_dir) / adapter_name(bundled.index, position)).string();
        TrainedAdapter adapter;
        adapter.safetensors = read_bytes(name + ".safetensors");
        const std::vector<uint8_t> config = read_bytes(name + ".json");
        adapter.config_json.assign(config.begin(), config.end());
        adapter.parameters = e.at("parameters").get<int64_t>();
        if (store::sha256_hex(adapter.safetensors.data(), adapter.safetensors.size()) !=
            e.at("sha256").get<std::string>()) {
          throw Error(name + ".safetensors is not the adapter its event announced");
        }
        observer.adapter_trained(run, position, adapter);
      } else if (type == "stage_finished") {
        const size_t stage = e.at("stage").get<size_t>();
        std::vector<uint8_t> checkpoint;
        if (stage == last_finished) {
          checkpoint = read_bytes((fs::path(unit_dir) / checkpoint_name(bundled.index)).string());
        }
        observer.stage_finished(run, stage, checkpoint);
      } else if (type == "run_finished" || type == "run_cancelled" || type == "run_failed") {
        run.seconds = e.at("seconds").get<double>();
        if (type == "run_finished") {
          run.summary = store::parse_run_summary(e.at("summary").dump());
          run.status = store::RunStatus::Finished;
        } else {
          run.status =
              type == "run_cancelled" ? store::RunStatus::Cancelled : store::RunStatus::Failed;
          run.reason = e.at("reason").get<std::string>();
        }
        observer.run_ended(run);
        ended = true;
      }
    }
  } catch (const nlohmann::json::exception& ex) {
    throw Error(where + ": an event lacks a field or has the wrong type (" + ex.what() + ")");
  }
  if (!ended) throw Error(where + " never ended: the bundle is partial; run the unit again");
  return run;
}

}  // namespace sy
