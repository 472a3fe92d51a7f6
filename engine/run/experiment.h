// The experiment file: base model, task sequence, strategies to compare, shared training
// settings, seeds and evaluation settings (documented in docs/experiments.md). Parsing checks
// every field and names it in the error ("demo.json: strategies[2].fraction must be ...").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/cl/switch_network.h"
#include "engine/model/lora.h"
#include "engine/model/weights_dtype.h"
#include "engine/train/trainer.h"

namespace sy {

struct TaskSource {
  std::string name;
  std::string builtin;     // a built-in task name, or empty
  std::string train_path;  // JSONL (resolved against the experiment file's folder)
  std::string test_path;   // optional JSONL; otherwise test_fraction of train_path
  double test_fraction = 0.1;
  std::string metric = "exact";  // exact, rouge1/2/L/Lsum, bleu, constraint
};

// One strategy and its settings; unset settings come from the experiment's shared ones.
struct StrategySpec {
  std::string name;       // seq-ft, seq-lora, replay, multitask, oracle, switchcit
  std::string label;      // shown in tables; defaults to name
  bool use_lora = true;   // seq-ft: false; replay / multitask: configurable ("mode")
  TrainOptions training;  // steps per stage etc.
  LoraSpec lora;
  double replay_fraction = 0.01;  // replay: share of every earlier task's training examples
  double retention = 0.01;        // switchcit: share of training prompts kept for the switch
  int64_t min_retained = 1;
  SwitchOptions switch_options;
};

struct Experiment {
  std::string path;  // the file it came from
  std::string name;
  std::string base_model;  // a model folder; "builtin" resolves to the shipped model
  WeightsDtype weights_dtype = WeightsDtype::Auto;  // the base weights' dtype ("weights_dtype")
  std::vector<TaskSource> tasks;
  int64_t train_examples = 1000;  // per built-in task
  int64_t test_examples = 50;     // per task, evaluated after every stage
  uint64_t data_seed = 0;
  std::vector<uint64_t> seeds = {0};
  std::vector<StrategySpec> strategies;
  int64_t max_new_tokens = 64;
  Precision eval_precision = Precision::FP32;  // decoding; defaults to training.precision
  std::string device = "auto";
};

Experiment experiment_from_json(const nlohmann::json& j, const std::string& path);
Experiment load_experiment(const std::string& path);
// The base model's folder: "builtin" resolved to the shipped model.
std::string base_model_dir(const Experiment& experiment);

}  // namespace sy
