// Experiment files: the shipped demo parses into what the runner needs, and every mistake a user
// can make in one ends in a message naming the file and the field.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/run/experiment.h"
#include "engine/util/error.h"

using namespace sy;

namespace {

nlohmann::json minimal() {
  return {{"tasks", {"reverse", "count"}}, {"strategies", {"seq-lora", "switchcit"}}};
}

// Parses `j` and returns the error message ("" when it parsed).
QString error_of(const nlohmann::json& j) {
  try {
    experiment_from_json(j, "exp.json");
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestExperiment : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void demo_parses() {
    const Experiment e = load_experiment(SWITCHYARD_SOURCE_DIR "/resources/experiments/demo.json");
    QCOMPARE(e.name, std::string("demo"));
    QCOMPARE(e.tasks.size(), size_t(5));
    QCOMPARE(e.tasks[0].builtin, std::string("reverse"));
    QCOMPARE(e.strategies.size(), size_t(7));
    QCOMPARE(e.strategies[0].name, std::string("seq-ft"));
    QVERIFY(!e.strategies[0].use_lora);
    QCOMPARE(e.strategies[0].training.steps, int64_t(200));
    QCOMPARE(e.strategies[0].training.lr, 3e-4);  // full_lr for full fine-tuning
    QCOMPARE(e.strategies[1].training.steps, int64_t(300));
    QCOMPARE(e.strategies[1].training.lr, 2e-3);
    QCOMPARE(e.strategies[2].replay_fraction, 0.01);
    QCOMPARE(e.strategies[5].retention, 0.01);
    QCOMPARE(e.strategies[5].lora.rank, int64_t(8));
    QCOMPARE(e.strategies[5].switch_options.pooling, SwitchPooling::SplitMean);
    QCOMPARE(e.strategies[6].label, std::string("switchcit-0.01%"));
    QCOMPARE(e.strategies[6].retention, 0.0001);
    QCOMPARE(e.seeds, std::vector<uint64_t>{0});
  }

  void defaults_fill_a_minimal_file() {
    const Experiment e = experiment_from_json(minimal(), "dir/exp.json");
    QCOMPARE(e.base_model, std::string("builtin"));
    QCOMPARE(e.name, std::string("exp"));
    QCOMPARE(e.strategies[1].switch_options.pooling, SwitchPooling::SplitMean);
  }

  void jsonl_paths_resolve_against_the_file() {
    auto j = minimal();
    j["tasks"].push_back({{"name", "mine"}, {"jsonl", "data/mine.jsonl"}});
    const Experiment e = experiment_from_json(j, "/home/u/exp/exp.json");
    QCOMPARE(e.tasks[2].train_path, std::string("/home/u/exp/data/mine.jsonl"));
  }

  void mistakes_name_the_field_data() {
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown strategy") << R"({"strategies": ["seq-lora", "ewc"]})"
                                      << "strategies[1].name";
    QTest::newRow("misspelled field") << R"({"trainng": {}})"
                                      << "trainng is not a known field";
    QTest::newRow("bad fraction") << R"({"strategies": [{"name": "replay", "fraction": 2}]})"
                                  << "strategies[0].fraction";
    QTest::newRow("fraction elsewhere")
        << R"({"strategies": [{"name": "oracle", "fraction": 0.1}]})"
        << "applies to replay only";
    QTest::newRow("unknown task") << R"({"tasks": ["reverse", "translate"]})"
                                  << "unknown built-in task \"translate\"";
    QTest::newRow("repeated task") << R"({"tasks": ["count", "count"]})"
                                   << "tasks[1] repeats";
    QTest::newRow("no tasks") << R"({"tasks": []})"
                              << "tasks must be a non-empty list";
    QTest::newRow("bad rank") << R"({"training": {"lora": {"r": 0}}})"
                              << "training.lora.r";
    QTest::newRow("bad steps type") << R"({"training": {"steps": "many"}})"
                                    << "training.steps must be an integer";
    QTest::newRow("bad schedule") << R"({"training": {"schedule": "step"}})"
                                  << "schedule";
    QTest::newRow("bad pooling") << R"({"strategies": [{"name": "switchcit", "pooling": "max"}]})"
                                 << "pooling";
    QTest::newRow("bad metric")
        << R"({"tasks": [{"name": "t", "jsonl": "t.jsonl", "metric": "meteor"}]})"
        << "tasks[0].metric";
    QTest::newRow("bad seeds") << R"({"seeds": [-1]})"
                               << "seeds";
    QTest::newRow("mode on oracle") << R"({"strategies": [{"name": "oracle", "mode": "full"}]})"
                                    << "strategies[0].mode";
  }

  void mistakes_name_the_field() {
    QFETCH(QString, patch);
    QFETCH(QString, expected);
    nlohmann::json j = minimal();
    j.update(nlohmann::json::parse(patch.toStdString()));
    const QString message = error_of(j);
    QVERIFY2(message.startsWith("exp.json: "), qPrintable(message));
    QVERIFY2(message.contains(expected), qPrintable(message));
  }

  void unreadable_file_is_a_clear_error() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("broken.json").toStdString();
    std::ofstream(path) << "{\"tasks\": [";
    try {
      load_experiment(path);
      QFAIL("a broken file parsed");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("broken.json: not valid JSON"), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestExperiment)
#include "test_experiment.moc"
