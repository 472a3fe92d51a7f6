// The runner end to end on a small real experiment: every row of every score matrix is filled,
// oracle's experts never change once trained, switchcit's router reports a confusion matrix per
// stage over the tasks seen so far, and the --summary document has the documented shape; the
// first stage of seq-lora and replay is oracle's expert, trained once and bit-identical in all.
#include <QtTest>

#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/run_report.h"
#include "engine/run/runner.h"
#include "engine/util/device.h"

using namespace sy;

class TestRunner : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { tune_cpu_runtime(); }

  void small_experiment_runs_end_to_end() {
    const nlohmann::json file = {{"name", "small"},
                                 {"tasks", {"count", "last-word"}},
                                 {"data", {{"train_examples", 300}, {"test_examples", 12}}},
                                 {"training", {{"steps", 40}, {"batch_size", 16}}},
                                 {"strategies", {"seq-lora", "oracle", "switchcit", "multitask"}},
                                 {"evaluation", {{"max_new_tokens", 16}}}};
    const Experiment experiment = experiment_from_json(file, "small.json");
    struct RowCounter : RunObserver {
      int rows = 0;
      void row_evaluated(const RunProgress&, size_t) override { ++rows; }
    } counter;
    const auto runs = run_experiment(experiment, RunnerOptions{}, counter);
    const int rows = counter.rows;
    QCOMPARE(runs.size(), size_t(4));
    QCOMPARE(rows, 3 + 3 + 3 + 2);

    for (const auto& run : runs) {
      QVERIFY(run.status == store::RunStatus::Finished);
      QCOMPARE(run.score_matrix.size(), size_t(run.strategy == "multitask" ? 2 : 3));
      for (const auto& row : run.score_matrix) {
        QCOMPARE(row.size(), size_t(2));
        for (double v : row) QVERIFY(v >= 0.0 && v <= 1.0);
      }
      QVERIFY(run.summary.ap.has_value());
    }
    // Row 0 is the same frozen base model for every run.
    QCOMPARE(runs[0].score_matrix[0], runs[1].score_matrix[0]);
    // Oracle's expert for task 1 is untouched by stage 2, and it learned something.
    const auto& oracle = runs[1].score_matrix;
    QCOMPARE(oracle[2][0], oracle[1][0]);
    QVERIFY2(oracle[1][0] > oracle[0][0], "the count expert learned nothing in 40 steps");
    // Switchcit: one confusion matrix per stage, over the tasks seen so far.
    const auto& sw = runs[2];
    QCOMPARE(sw.router_confusion.size(), size_t(2));
    QCOMPARE(sw.router_confusion[0].size(), size_t(1));
    QCOMPARE(sw.router_confusion[1].size(), size_t(2));
    int64_t routed = 0;
    for (const auto& r : sw.router_confusion[1]) routed += r[0] + r[1];
    QCOMPARE(routed, int64_t(24));
    QVERIFY(sw.summary.router_accuracy.has_value());
    QVERIFY(!runs[0].summary.router_accuracy.has_value());
    QVERIFY(runs[0].summary.forgetting.has_value() && runs[0].summary.bwt.has_value() &&
            runs[0].summary.fwt.has_value());
    QVERIFY(!runs[3].summary.forgetting.has_value());  // multitask: only AP is defined

    const nlohmann::json summary = summary_json(experiment, runs);
    QCOMPARE(summary["runs"].size(), size_t(4));
    for (const auto& r : summary["runs"]) {
      for (const char* key :
           {"run_id", "strategy", "seed", "tasks", "score_matrix", "summary", "router_confusion"}) {
        QVERIFY2(r.contains(key), key);
      }
      for (const char* key : {"ap", "forgetting", "bwt", "fwt", "router_accuracy"}) {
        QVERIFY2(r["summary"].contains(key), key);
      }
    }
    QVERIFY(summary["runs"][0]["router_confusion"].is_null());
    QVERIFY(summary["runs"][2]["router_confusion"].is_array());
    QCOMPARE(summary["runs"][1]["run_id"].get<std::string>(), std::string("small/oracle/seed0"));
  }

  void a_run_on_bf16_weights_goes_end_to_end() {
    // llama-bf16 stores bf16, which "auto" keeps: switchcit's experts train as FP32 adapters on
    // the bf16 base and the switch routes every test prompt; seq-ft trains its own FP32 copy.
    const nlohmann::json file = {
        {"name", "bf16"},
        {"base_model", SWITCHYARD_SOURCE_DIR "/tests/fixtures/hf/llama-bf16"},
        {"tasks", {"count", "last-word"}},
        {"data", {{"train_examples", 40}, {"test_examples", 6}}},
        {"training", {{"steps", 3}, {"batch_size", 4}}},
        {"strategies", {"switchcit", {{"name", "seq-ft"}, {"steps", 2}}}},
        {"evaluation", {{"max_new_tokens", 4}}}};
    const Experiment experiment = experiment_from_json(file, "bf16.json");
    QCOMPARE(experiment.weights_dtype, WeightsDtype::Auto);
    RunObserver quiet;
    const auto runs = run_experiment(experiment, RunnerOptions{}, quiet);
    QCOMPARE(runs.size(), size_t(2));
    for (const auto& run : runs) {
      QVERIFY(run.status == store::RunStatus::Finished);
      QCOMPARE(run.score_matrix.size(), size_t(3));
    }
    int64_t routed = 0;
    for (const auto& r : runs[0].router_confusion[1]) routed += r[0] + r[1];
    QCOMPARE(routed, int64_t(12));
  }

  void first_stage_is_trained_once_for_every_lora_strategy() {
    const nlohmann::json file = {
        {"name", "shared"},
        {"tasks", {"last-word", "count"}},
        {"data", {{"train_examples", 200}, {"test_examples", 8}}},
        {"training", {{"steps", 12}, {"batch_size", 8}, {"precision", "fp32"}}},
        {"strategies",
         {"seq-lora",
          "replay",
          "oracle",
          {{"name", "replay"}, {"label", "r8"}, {"lora", {{"r", 4}}}}}},
        {"evaluation", {{"max_new_tokens", 8}}}};
    const Experiment experiment = experiment_from_json(file, "shared.json");
    struct Recorder : RunObserver {
      int64_t planned = 0;
      WorkPlan plan;
      std::vector<int64_t> stage_steps;  // every stage's steps, in the order the stages came
      std::map<std::pair<std::string, size_t>, int64_t> steps;  // (label, stage) -> steps
      std::map<std::pair<std::string, size_t>, std::vector<uint8_t>> adapters;
      bool keeps_artifacts() const override { return true; }
      void experiment_started(const Experiment&, const WorkPlan& p) override {
        planned = p.steps();
        plan = p;
      }
      void stage_started(const RunProgress&, size_t) override { stage_steps.push_back(0); }
      void train_step(const RunProgress& run, size_t stage, const std::string&,
                      const TrainStep&) override {
        ++steps[{run.label, stage}];
        ++stage_steps.back();
      }
      void adapter_trained(const RunProgress& run, size_t position,
                           const TrainedAdapter& adapter) override {
        adapters[{run.label, position}] = adapter.safetensors;
      }
    } rec;
    const auto runs = run_experiment(experiment, RunnerOptions{}, rec);
    QCOMPARE(runs.size(), size_t(4));
    // seq-lora trains task 1's expert; replay and oracle take it; the rank-4 replay cannot.
    auto steps = [&](const char* label, size_t stage) {
      auto it = rec.steps.find({label, stage});
      return it == rec.steps.end() ? int64_t(0) : it->second;
    };
    auto adapter = [&](const char* label, size_t position) {
      return rec.adapters[{label, position}];
    };
    QCOMPARE(steps("seq-lora", 1), int64_t(12));
    QCOMPARE(steps("seq-lora", 2), int64_t(12));
    QCOMPARE(steps("replay", 1), int64_t(0));
    QCOMPARE(steps("replay", 2), int64_t(12));
    QCOMPARE(steps("oracle", 1), int64_t(0));
    QCOMPARE(steps("oracle", 2), int64_t(12));
    QCOMPARE(steps("r8", 1), int64_t(12));
    int64_t taken = 0;
    for (const auto& [key, n] : rec.steps) taken += n;
    QCOMPARE(rec.planned, taken);
    // The ETA's plan has the stages the runs took, in order, each with the steps it took, and
    // the task evaluations it computed afresh: all of them for new weights, none through the
    // cached expert (replay and oracle's stage 1), the new task alone for oracle's new expert.
    QCOMPARE(rec.plan.base_evaluations, 2);
    QCOMPARE(rec.plan.stages.size(), rec.stage_steps.size());
    const std::vector<int> evaluations = {2, 2, 0, 2, 0, 1, 2, 2};
    QCOMPARE(rec.plan.stages.size(), evaluations.size());
    for (size_t i = 0; i < evaluations.size(); ++i) {
      QCOMPARE(rec.plan.stages[i].steps, rec.stage_steps[i]);
      QCOMPARE(rec.plan.stages[i].evaluations, evaluations[i]);
      QCOMPARE(rec.plan.stages[i].training, std::string("lora"));
    }
    const auto first = adapter("oracle", 0);
    QVERIFY(!first.empty());
    QVERIFY(adapter("seq-lora", 0) == first);
    QVERIFY(adapter("replay", 0) == first);
    QVERIFY(adapter("seq-lora", 1) != adapter("oracle", 1));
    // Same weights, same answers: row 1 of seq-lora and replay agree, and on task 1 with oracle.
    QCOMPARE(runs[0].score_matrix[1], runs[1].score_matrix[1]);
    QCOMPARE(runs[0].score_matrix[1][0], runs[2].score_matrix[1][0]);
  }
};

QTEST_APPLESS_MAIN(TestRunner)
#include "test_runner.moc"
