// `switchyard-engine serve [--db FILE]`: a long-lived process that answers requests on stdin with
// one JSON line each on stdout — load a stored run, then ask it (the app's playground). The GUI
// never links LibTorch; this process does the inference. Protocol: docs/engine-cli.md, "serve".
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "app/run_reporting.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {

std::string text_field(const nlohmann::json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return "";
  if (!it->is_string()) throw Error(std::string("field \"") + name + "\" must be a string");
  return it->get<std::string>();
}

// Loads stored run `run_id` for answering.
// `weights`: --weights-dtype, which overrides the experiment's when given.
std::unique_ptr<ServedRun> load_run(store::Store& store, int64_t run_id,
                                    std::optional<WeightsDtype> weights, nlohmann::json& response) {
  const store::RunData data = store.load_run(run_id);
  const StoredRunConfig config = parse_stored_run_config(data.config_json, run_id);
  const std::string definition = store.load_experiment(data.run.experiment_id).definition_json;
  Experiment experiment = stored_run_experiment(definition, config);
  if (weights) experiment.weights_dtype = *weights;
  const ResumePoint from = stored_resume_point(store, run_id, data);
  if (from.stages_done == 0) {
    throw Error("run " + std::to_string(run_id) + " has no finished stage yet; nothing to ask");
  }
  RunnerOptions options;
  options.quick = config.quick;
  auto served = std::make_unique<ServedRun>(experiment, options, config.label, data.run.seed, from);
  response["run"] = run_id;
  response["label"] = data.run.label;
  response["strategy"] = served->strategy();
  response["tasks"] = served->tasks();
  response["stages_done"] = from.stages_done;
  response["adapters"] = served->task_adapters();
  response["router"] = served->has_router();
  return served;
}

}  // namespace

int command_serve(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {});
  args.check({"db", "weights-dtype"});
  std::optional<WeightsDtype> weights;
  if (args.has("weights-dtype")) weights = weights_dtype_from_args(args);
  store::Store store = open_run_store(args);
  std::unique_ptr<ServedRun> served;
  std::cout << nlohmann::json{{"ok", true}, {"ready", true}, {"version", SWITCHYARD_VERSION}}
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json response = {{"ok", true}};
    try {
      const std::optional<nlohmann::json> parsed = try_parse_json(line);
      if (!parsed) throw Error("a request must be one JSON object per line");
      const nlohmann::json& request = *parsed;
      if (!request.is_object()) throw Error("a request must be a JSON object");
      if (request.contains("id")) response["id"] = request["id"];
      const std::string op = text_field(request, "op");
      if (op == "quit") break;
      if (op == "load") {
        if (!request.contains("run") || !request["run"].is_number_integer()) {
          throw Error("load needs \"run\": a run id");
        }
        served.reset();  // free the previous run's model first
        served = load_run(store, request["run"].get<int64_t>(), weights, response);
      } else if (op == "ask") {
        if (!served) throw Error("load a run first: {\"op\": \"load\", \"run\": ID}");
        Example example;
        example.instruction = text_field(request, "instruction");
        example.input = text_field(request, "input");
        if (example.instruction.empty()) throw Error("ask needs a non-empty \"instruction\"");
        std::optional<size_t> adapter;
        if (request.contains("adapter") && !request["adapter"].is_null()) {
          if (!request["adapter"].is_number_integer() || request["adapter"].get<int64_t>() < 0) {
            throw Error("\"adapter\" must be null or a task position (0, 1, ...)");
          }
          adapter = request["adapter"].get<size_t>();
        }
        const int64_t max_new_tokens = request.value("max_new_tokens", int64_t{64});
        const Reply reply = served->ask(example, adapter, max_new_tokens);
        response["answer"] = reply.answer;
        response["adapter"] = reply.adapter ? nlohmann::json(*reply.adapter) : nullptr;
        response["routed"] = reply.routed ? nlohmann::json(*reply.routed) : nullptr;
        response["probabilities"] =
            reply.probabilities ? nlohmann::json(*reply.probabilities) : nullptr;
      } else {
        throw Error("unknown op \"" + op + "\"; expected load, ask or quit");
      }
    } catch (const std::exception& e) {
      // One bad request never ends the session: it gets its error and the next one is read.
      response["ok"] = false;
      response["error"] = e.what();
    }
    std::cout << response.dump() << std::endl;
  }
  return 0;
}

}  // namespace sy
