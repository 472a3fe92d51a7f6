// The runner end to end on a small real experiment: every row of every score matrix is filled,
// oracle's experts never change once trained, switchcit's router reports a confusion matrix per
// stage over the tasks seen so far, and the --summary document has the documented shape.
#include <QtTest>

#include <nlohmann/json.hpp>

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
      void row_evaluated(const RunResult&, size_t) override { ++rows; }
    } counter;
    const auto runs = run_experiment(experiment, RunnerOptions{}, counter);
    const int rows = counter.rows;
    QCOMPARE(runs.size(), size_t(4));
    QCOMPARE(rows, 3 + 3 + 3 + 2);

    for (const auto& run : runs) {
      QCOMPARE(run.status, std::string("finished"));
      QCOMPARE(run.score_matrix.size(), size_t(run.strategy == "multitask" ? 2 : 3));
      for (const auto& row : run.score_matrix) {
        QCOMPARE(row.size(), size_t(2));
        for (double v : row) QVERIFY(v >= 0.0 && v <= 1.0);
      }
      QVERIFY(run.ap.has_value());
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
    QVERIFY(sw.router_accuracy.has_value());
    QVERIFY(!runs[0].router_accuracy.has_value());
    QVERIFY(runs[0].forgetting.has_value() && runs[0].bwt.has_value() && runs[0].fwt.has_value());
    QVERIFY(!runs[3].forgetting.has_value());  // multitask: only AP is defined

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
};

QTEST_APPLESS_MAIN(TestRunner)
#include "test_runner.moc"
