// Parsing and validating experiment files.
#include "engine/run/experiment.h"

#include "engine/model/checkpoint.h"

#include <algorithm>
#include <filesystem>

#include "engine/data/builtin_tasks.h"
#include "engine/util/error.h"
#include "engine/util/json_fields.h"
#include "engine/util/json_file.h"

namespace sy {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kBig = 1'000'000'000;

constexpr const char* kPrecisions = "fp32, bf16, fp16 (CUDA only) or auto";

// A field naming one of a set of choices: `parse` (a parse_* function, which throws on a name it
// does not know) gives its value; an unknown name fails on the field, listing `expected`.
template <typename T, typename Parse>
void read_choice(JsonFields& f, const char* key, T& value, Parse parse, const char* expected) {
  if (!f.has(key)) return;
  const std::string name = f.text(key, "");
  try {
    value = parse(name, "");
  } catch (const Error&) {
    f.fail(key, "is \"" + name + "\"; expected " + expected);
  }
}

// Training keys allowed both in "training" and in each strategy (which overrides them).
TrainOptions read_training(JsonFields& f, TrainOptions o) {
  o.steps = f.integer("steps", o.steps, 1, kBig);
  o.batch_size = f.integer("batch_size", o.batch_size, 1, 4096);
  o.grad_accum = f.integer("grad_accum", o.grad_accum, 1, 4096);
  o.lr = f.number("lr", o.lr, 1e-12, 1.0);
  o.weight_decay = f.number("weight_decay", o.weight_decay, 0.0, 10.0);
  read_choice(f, "schedule", o.schedule, parse_lr_schedule, "constant, linear or cosine");
  o.warmup_steps = f.integer("warmup", o.warmup_steps, 0, kBig);
  o.max_grad_norm = f.number("max_grad_norm", o.max_grad_norm, 0.0, 1e9);
  read_choice(f, "precision", o.precision, parse_precision, kPrecisions);
  return o;
}

LoraSpec read_lora(JsonFields f, LoraSpec spec) {
  spec.rank = f.integer("r", spec.rank, 1, 4096);
  spec.alpha = f.number("alpha", spec.alpha, 1e-6, 1e6);
  spec.dropout = f.number("dropout", spec.dropout, 0.0, 0.99);
  spec.target_modules = f.texts("target_modules", spec.target_modules);
  if (spec.target_modules.empty()) f.fail("target_modules", "must name at least one layer");
  f.reject_unknown();
  return spec;
}

TaskSource read_task(const nlohmann::json& j, const std::string& file, const std::string& where,
                     const fs::path& folder) {
  TaskSource t;
  if (j.is_string()) {
    t.builtin = t.name = j.get<std::string>();
  } else {
    JsonFields f(j, file, where);
    t.builtin = f.text("builtin", "");
    t.train_path = f.text("jsonl", "");
    t.test_path = f.text("test_jsonl", "");
    t.test_fraction = f.number("test_fraction", t.test_fraction, 1e-6, 0.999999);
    t.name = f.text("name", t.builtin);
    t.metric = f.text("metric", t.metric);
    static const std::vector<std::string> metrics = {"exact",     "rouge1", "rouge2",    "rougeL",
                                                     "rougeLsum", "bleu",   "constraint"};
    if (std::find(metrics.begin(), metrics.end(), t.metric) == metrics.end()) {
      f.fail("metric",
             "is \"" + t.metric +
                 "\"; expected exact, rouge1, rouge2, rougeL, rougeLsum, bleu or constraint");
    }
    if (t.builtin.empty() == t.train_path.empty()) {
      f.fail("builtin", "or jsonl must be given (exactly one of them)");
    }
    if (t.name.empty()) f.fail("name", "must be given for a JSONL task");
    f.reject_unknown();
  }
  if (!t.builtin.empty() && !is_builtin_task(t.builtin)) {
    std::string known;
    for (const auto& info : builtin_tasks()) known += (known.empty() ? "" : ", ") + info.name;
    throw Error(file + ": " + where + " names the unknown built-in task \"" + t.builtin +
                "\"; known tasks: " + known + ".");
  }
  auto resolve = [&](std::string& p) {
    if (!p.empty() && fs::path(p).is_relative()) p = (folder / p).lexically_normal().string();
  };
  resolve(t.train_path);
  resolve(t.test_path);
  return t;
}

}  // namespace

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = {"seq-ft",    "seq-lora", "replay",
                                                 "multitask", "oracle",   "switchcit"};
  return names;
}

Experiment experiment_from_json(const nlohmann::json& j, const std::string& path) {
  Experiment e;
  e.path = path;
  const fs::path folder = fs::path(path).parent_path();
  JsonFields top(j, path, "");
  e.name = top.text("name", fs::path(path).stem().string());
  e.base_model = top.text("base_model", "builtin");
  if (e.base_model != "builtin" && fs::path(e.base_model).is_relative()) {
    e.base_model = (folder / e.base_model).lexically_normal().string();
  }
  e.device = top.text("device", e.device);
  read_choice(top, "weights_dtype", e.weights_dtype, parse_weights_dtype,
              "auto, fp32, bf16 or fp16");

  JsonFields data = top.object("data");
  e.train_examples = data.integer("train_examples", e.train_examples, 1, 10'000'000);
  e.test_examples = data.integer("test_examples", e.test_examples, 1, 1'000'000);
  e.data_seed = static_cast<uint64_t>(data.integer("seed", 0, 0, kBig));
  data.reject_unknown();

  if (!top.has("tasks") || !top.raw("tasks").is_array() || top.raw("tasks").empty()) {
    top.fail("tasks", "must be a non-empty list of tasks (built-in names or JSONL task objects)");
  }
  const auto& tasks = top.raw("tasks");
  for (size_t i = 0; i < tasks.size(); ++i) {
    e.tasks.push_back(read_task(tasks[i], path, "tasks[" + std::to_string(i) + "]", folder));
    for (size_t k = 0; k + 1 < e.tasks.size(); ++k) {
      if (e.tasks[k].name == e.tasks.back().name) {
        throw Error(path + ": tasks[" + std::to_string(i) + "] repeats the task name \"" +
                    e.tasks.back().name + "\"; every task of a sequence needs its own name.");
      }
    }
  }

  e.seeds.clear();
  const auto& seeds = top.raw("seeds");
  if (seeds.is_null()) {
    e.seeds = {0};
  } else {
    if (!seeds.is_array() || seeds.empty())
      top.fail("seeds", "must be a non-empty list of integers");
    for (const auto& s : seeds) {
      if (!s.is_number_unsigned())
        top.fail("seeds", "must hold non-negative integers, found " + s.dump());
      e.seeds.push_back(s.get<uint64_t>());
    }
  }

  JsonFields training = top.object("training");
  TrainOptions lora_training;  // LoRA defaults: DESIGN's switch experts, scaled to the demo
  lora_training.steps = 300;
  lora_training.batch_size = 16;
  lora_training.lr = 2e-3;
  lora_training = read_training(training, lora_training);
  const double full_lr = training.number("full_lr", 3e-4, 1e-12, 1.0);
  LoraSpec lora;
  lora.target_modules = {"qkv_proj", "o_proj", "up_proj", "down_proj"};
  lora = read_lora(training.object("lora"), lora);
  training.reject_unknown();

  JsonFields evaluation = top.object("evaluation");
  e.max_new_tokens = evaluation.integer("max_new_tokens", e.max_new_tokens, 1, 4096);
  e.eval_precision = lora_training.precision;
  read_choice(evaluation, "precision", e.eval_precision, parse_precision, kPrecisions);
  evaluation.reject_unknown();

  const auto& strategies = top.raw("strategies");
  if (!strategies.is_array() || strategies.empty()) {
    top.fail("strategies",
             "must be a non-empty list; known strategies: seq-ft, seq-lora, replay, "
             "multitask, oracle, switchcit");
  }
  for (size_t i = 0; i < strategies.size(); ++i) {
    const std::string where = "strategies[" + std::to_string(i) + "]";
    const nlohmann::json object =
        strategies[i].is_string() ? nlohmann::json{{"name", strategies[i]}} : strategies[i];
    JsonFields f(object, path, where);
    StrategySpec s;
    s.name = f.text("name", "");
    const auto& names = strategy_names();
    if (std::find(names.begin(), names.end(), s.name) == names.end()) {
      f.fail("name", "is \"" + s.name +
                         "\"; expected one of seq-ft, seq-lora, replay, multitask, "
                         "oracle, switchcit");
    }
    s.label = f.text("label", s.name);
    const bool can_choose_mode = s.name == "replay" || s.name == "multitask";
    const std::string mode = f.text("mode", s.name == "seq-ft" ? "full" : "lora");
    if (mode != "lora" && mode != "full") f.fail("mode", "must be \"lora\" or \"full\"");
    if (!can_choose_mode && mode != (s.name == "seq-ft" ? "full" : "lora")) {
      f.fail("mode", "cannot be changed for " + s.name);
    }
    s.use_lora = mode == "lora";
    TrainOptions defaults = lora_training;
    if (!s.use_lora) defaults.lr = full_lr;
    s.training = read_training(f, defaults);
    s.lora = read_lora(f.object("lora"), lora);
    s.replay_fraction = f.number("fraction", s.replay_fraction, 0.0, 1.0);
    s.retention = f.number("retention", s.retention, 0.0, 1.0);
    s.min_retained = f.integer("min_retained", s.min_retained, 1, kBig);
    if (f.has("pooling")) {
      s.switch_options.pooling =
          parse_switch_pooling(f.text("pooling", ""), path + ": " + f.path("pooling"));
    }
    s.switch_options.epochs = f.integer("switch_epochs", s.switch_options.epochs, 1, 100000);
    f.reject_unknown();
    if (s.name != "replay" && object.contains("fraction"))
      f.fail("fraction", "applies to replay only");
    if (s.name != "switchcit" && (object.contains("retention") || object.contains("pooling"))) {
      f.fail("retention", "and pooling apply to switchcit only");
    }
    e.strategies.push_back(s);
  }
  top.reject_unknown();
  return e;
}

std::string base_model_dir(const Experiment& experiment) {
  return experiment.base_model == "builtin" ? builtin_model_dir() : experiment.base_model;
}

Experiment load_experiment(const std::string& path) {
  return experiment_from_json(read_json_file(path), path);
}

}  // namespace sy
