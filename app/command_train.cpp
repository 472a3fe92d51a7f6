// `switchyard-engine train`: one task, one LoRA adapter (default) or a full fine-tune, with the
// task's test score before and after. Data-parallel over several ranks (--nproc, torchrun, srun):
// every rank trains and evaluates alike, and only rank 0 prints and saves.
#include <cstdio>
#include <iostream>

#include <torch/utils.h>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/data/builtin_tasks.h"
#include "engine/data/jsonl_import.h"
#include "engine/dist/world.h"
#include "engine/generate/task_scoring.h"
#include "engine/model/adapter_io.h"
#include "engine/model/checkpoint.h"
#include "engine/run/experiment_schema.h"
#include "engine/run/memory_estimate.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "engine/util/progress.h"
#include "storage/run_format.h"

namespace sy {

int command_train(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"no-eval"});
  auto known = kTrainOptionNames;
  known.insert({"model", "task", "jsonl", "test-jsonl", "train-examples", "test-examples", "mode",
                "rank", "alpha", "dropout", "targets", "out", "device", "max-new-tokens",
                "weights-dtype"});
  args.check(known);
  const std::string mode = args.str("mode", "lora");
  if (mode != "lora" && mode != "full") {
    throw Error("option --mode is \"" + mode + "\"; expected lora or full");
  }
  TrainOptions defaults;
  defaults.lr = mode == "lora" ? 2e-3 : 3e-4;
  const TrainOptions options = train_options_from_args(args, defaults);
  // A full fine-tune trains every weight: they stay FP32 (master weights), whatever the folder.
  WeightsDtype weights = weights_dtype_from_args(args);
  if (mode == "full") {
    if (weights == WeightsDtype::BF16 || weights == WeightsDtype::FP16) {
      throw Error("option --weights-dtype is " + weights_dtype_name(weights) +
                  ", but --mode full trains every weight, which needs fp32; leave it out or give "
                  "--weights-dtype fp32");
    }
    weights = WeightsDtype::FP32;
  }
  const uint64_t seed = options.seed;
  // Ranks meet once the command line is known to be good; only rank 0 writes.
  const dist::World& world = dist::init_world();
  const bool primary = world.is_primary();

  Task task;
  if (args.has("task")) {
    // The ranges an experiment's "data" has: at least one example to train on and one to score.
    const auto count = [&](const char* option, const char* field, int64_t fallback) {
      const FieldSpec& spec = schema_field(experiment_schema().fields, field);
      const int64_t n = args.integer(option, fallback);
      if (n < spec.min.get<int64_t>() || n > spec.max.get<int64_t>()) {
        throw Error(std::string("--") + option + " is " + std::to_string(n) + "; expected " +
                    spec.expectation() + " (a task needs examples to train on and to score)");
      }
      return static_cast<int>(n);
    };
    task = make_builtin_task(args.str("task"), seed,
                             count("train-examples", "data.train_examples", 2000),
                             count("test-examples", "data.test_examples", 100));
  } else if (args.has("jsonl")) {
    task = task_from_jsonl("jsonl", args.str("jsonl"), args.str("test-jsonl"), 0.1, seed);
  } else {
    throw Error("give the task with --task NAME (see `switchyard-engine tasks`) or --jsonl FILE");
  }

  const std::string model_dir = args.str("model", builtin_model_dir());
  const c10::Device device = pick_device(args.str("device", "auto"));
  LoraSpec lora;
  lora.rank = args.integer("rank", 8);
  lora.alpha = args.number("alpha", 16);
  lora.dropout = args.number("dropout", 0.05);
  lora.target_modules = args.list("targets", {"qkv_proj", "o_proj", "up_proj", "down_proj"});
  {
    // The check run makes, for this one training: refused before the model is loaded.
    Experiment one;
    one.base_model = model_dir;
    one.weights_dtype = weights;
    one.strategies.resize(1);
    one.strategies[0].label = "train --mode " + mode;
    one.strategies[0].use_lora = mode == "lora";
    one.strategies[0].training = options;
    one.strategies[0].lora = lora;
    require_memory_fits(estimate_experiment_memory(one, {}, {task}), available_memory(device),
                        "train");
  }
  LoadedModel loaded = load_model(model_dir, weights);
  TransformerLM& model = loaded.model;
  model->to(device);
  torch::manual_seed(seed);  // adapter init

  TrainTarget target;
  if (mode == "lora") {
    target = adapter_target(model, model->add_adapter(task.name, lora));
  } else {
    target = full_finetune_target(model);
  }
  if (primary) {
    std::cerr << "training " << count_parameters(target.parameters) << " parameters (" << mode
              << ") on " << task.train.size() << " examples of " << task.name;
    if (world.size() > 1) std::cerr << " over " << world.size() << " data-parallel ranks";
    std::cerr << std::endl;
  }

  GenerationOptions gen;
  gen.max_new_tokens = args.integer("max-new-tokens", 100);
  // Every rank scores the base model, though only rank 0 prints it: a rank waiting at the first
  // all-reduce meanwhile could outlast the timeout (SWITCHYARD_DIST_TIMEOUT_S) on a big model,
  // and the ranks run side by side, so it costs no time. The score after is rank 0's alone.
  const bool eval = !args.flag("no-eval");
  double before = 0;
  if (eval) before = evaluate_examples(model, *loaded.tokenizer, task.test, task.metric, gen).score;

  std::vector<EncodedExample> data;
  for (const auto& e : task.train) {
    data.push_back(encode_example(*loaded.tokenizer, model->config().prompt_template, e));
  }
  auto result =
      train(model, data, target, options,
            primary ? progress_printer("train " + task.name) : StepCallback(), &cancel_flag());
  if (result.cancelled) {
    if (primary) {
      std::cerr << "cancelled at step " << result.steps_done << "; nothing was saved" << std::endl;
    }
    return 130;
  }
  if (!primary) return 0;
  if (eval) {
    gen.adapter = target.adapter;
    const double after =
        evaluate_examples(model, *loaded.tokenizer, task.test, task.metric, gen).score;
    std::printf("%s: %s %.1f%% -> %.1f%% on %zu test examples (%lld steps, %s, %.0f tok/s)\n",
                task.name.c_str(), task.metric.c_str(), 100 * before, 100 * after, task.test.size(),
                static_cast<long long>(result.steps_done),
                store::format_duration(result.seconds).c_str(),
                double(result.tokens) / result.seconds);
  }
  if (args.has("out")) {
    model->to(torch::kCPU);
    if (mode == "lora") {
      save_adapter(args.str("out"), model, target.adapter, loaded.dir);
    } else {
      save_model(args.str("out"), model, loaded.dir);
    }
    std::printf("saved %s to %s\n", mode == "lora" ? "the adapter" : "the model",
                args.str("out").c_str());
  }
  return 0;
}

}  // namespace sy
