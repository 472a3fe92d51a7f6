// Plans on real engine processes and real SQLite files: an experiment split into units, each run
// as its own `switchyard-engine unit` process, and the bundles imported, gives the very runs a
// local `run` gives (scores, router matrices, adapters, checkpoints, training curves); a second
// import changes nothing; a missing or damaged bundle is named and nothing of it is stored.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <map>

#include <QProcess>
#include <QTemporaryDir>

#include "engine/run/plan.h"
#include "engine/util/json_file.h"
#include "tests/common/run_process.h"
#include "tests/common/stored_runs.h"

namespace fs = std::filesystem;
using namespace sy;

namespace {

// Every kind of unit: a chain that carries a full model (seq-ft), chains that start from a
// shared expert (seq-lora), multitask, and oracle with two switchcit runs that assemble experts,
// one of which routes badly (answers of experts on other tasks' prompts). fp32: bit-exact.
const char* kExperiment = R"({
  "name": "planned", "tasks": ["reverse", "capitalize", "count"],
  "data": {"train_examples": 200, "test_examples": 8},
  "training": {"steps": 75, "batch_size": 8, "precision": "fp32"},
  "strategies": ["seq-ft", "seq-lora", "multitask", "oracle",
                 {"name": "switchcit", "retention": 0.02},
                 {"name": "switchcit", "label": "switchcit-low", "retention": 0.0001}],
  "evaluation": {"max_new_tokens": 12}
})";

using Result = sy::test::ProcessResult;

Result engine(const QStringList& args) {
  return sy::test::run_process(SY_ENGINE_BIN, args);
}

void run_all_units(const std::string& dir) {
  const Plan plan = read_plan(dir);
  for (const PlanUnit& u : plan.units) {
    const Result r = engine({"unit", QString::fromStdString(dir), QString::number(u.id)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
  }
}

}  // namespace

class TestPlan : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::string experiment_;
  std::string local_db_;

  std::string path(const std::string& name) const {
    return (fs::path(tmp_.path().toStdString()) / name).string();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    experiment_ = path("planned.json");
    std::ofstream(experiment_) << kExperiment;
    local_db_ = path("local.db");
    const Result r = engine(
        {"run", QString::fromStdString(experiment_), "--db", QString::fromStdString(local_db_)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
  }

  void the_demo_splits_into_experts_chains_and_one_assembly_per_seed() {
    const std::string dir = path("demo-plan");
    const Result r = engine({"plan", SWITCHYARD_SOURCE_DIR "/resources/experiments/demo.json",
                             "--quick", "--seed", "3", "--out", QString::fromStdString(dir)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Plan plan = read_plan(dir);
    QCOMPARE(plan.id.size(), size_t(16));
    QVERIFY(plan.options.quick);
    // Five experts (shared by oracle, both switchcit runs and the first stage of seq-lora and
    // replay), seq-ft, seq-lora, replay, multitask, and one unit for oracle + switchcit.
    QCOMPARE(plan.units.size(), size_t(10));
    std::vector<std::string> titles;
    for (const PlanUnit& u : plan.units) {
      titles.push_back(u.title);
      QCOMPARE(u.seed, uint64_t(3));
      for (int64_t a : u.after) QVERIFY(a < u.id);  // every unit after what it waits for
    }
    QCOMPARE(titles.front(), std::string("expert reverse, seed 3"));
    QCOMPARE(titles[5], std::string("seq-ft, seed 3"));
    QCOMPARE(titles.back(), std::string("oracle + switchcit + switchcit-0.01%, seed 3"));
    QCOMPARE(plan.units[6].after, std::vector<int64_t>({0}));  // seq-lora starts from expert 0
    QCOMPARE(plan.units[9].after, std::vector<int64_t>({0, 1, 2, 3, 4}));
    // seq-lora trains expert 0 first in a local run, so its curve is reported there.
    QCOMPARE(plan.units[6].reports, std::vector<int64_t>({0}));
    QCOMPARE(plan.units[9].reports, std::vector<int64_t>({1, 2, 3, 4}));

    const Result again = engine({"plan", SWITCHYARD_SOURCE_DIR "/resources/experiments/demo.json",
                                 "--out", QString::fromStdString(dir)});
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("already holds a plan"), qPrintable(again.err));
  }

  void units_imported_equal_the_local_run() {
    const std::string dir = path("plan");
    const Result planned =
        engine({"plan", QString::fromStdString(experiment_), "--out", QString::fromStdString(dir)});
    QVERIFY2(planned.code == 0, qPrintable(planned.err));
    run_all_units(dir);
    const std::string db = path("imported.db");
    const Result imported =
        engine({"import", QString::fromStdString(dir), "--db", QString::fromStdString(db)});
    QVERIFY2(imported.code == 0, qPrintable(imported.err));

    const auto local = sy::test::stored_runs(local_db_);
    const auto merged = sy::test::stored_runs(db);
    QCOMPARE(local.size(), size_t(6));
    const std::string difference = sy::test::first_difference(local, merged);
    QVERIFY2(difference.empty(), difference.c_str());
    // The badly routing switch answered with experts of other tasks: not a trivial comparison.
    QVERIFY(local.at("switchcit-low/seed0").confusions.back() !=
                local.at("switchcit/seed0").confusions.back() ||
            local.at("switchcit-low/seed0").scores != local.at("oracle/seed0").scores);

    // A second import of the same plan changes nothing.
    const Result twice =
        engine({"import", QString::fromStdString(dir), "--db", QString::fromStdString(db)});
    QCOMPARE(twice.code, 0);
    QVERIFY2(twice.out.contains("imported before"), qPrintable(twice.out));
    QCOMPARE(sy::test::stored_runs(db).size(), size_t(6));
  }

  void a_missing_or_damaged_bundle_is_named_and_nothing_is_stored() {
    const std::string dir = path("plan");  // made complete by the test above
    const Plan plan = read_plan(dir);
    const std::string db = path("partial.db");

    // Unit 1 (an expert) as a killed job leaves it: no checksums.
    const fs::path sums = fs::path(unit_dir(dir, 1)) / "checksums.sha256";
    fs::rename(sums, sums.string() + ".away");
    Result r = engine({"import", QString::fromStdString(dir), "--db", QString::fromStdString(db)});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.startsWith("error: "), qPrintable(r.err));
    QVERIFY2(r.err.contains("unit 1 (expert capitalize, seed 0)"), qPrintable(r.err));
    QVERIFY2(r.err.contains("nothing was imported"), qPrintable(r.err));
    QCOMPARE(sy::test::stored_runs(db).size(), size_t(0));
    // A unit that waits for it refuses to start, naming it.
    const int64_t assembly = static_cast<int64_t>(plan.units.size()) - 1;
    r = engine({"unit", QString::fromStdString(dir), QString::number(assembly)});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("waits for unit 1 (expert capitalize, seed 0)"), qPrintable(r.err));
    // ... and leaves its own complete bundle as it was.
    QVERIFY(fs::exists(fs::path(unit_dir(dir, assembly)) / "checksums.sha256"));
    fs::rename(sums.string() + ".away", sums);
    r = engine({"import", QString::fromStdString(dir), "--check"});
    QVERIFY2(r.code == 0, qPrintable(r.err));

    // One flipped byte in an adapter: refused by name, nothing stored.
    const fs::path adapter = fs::path(unit_dir(dir, assembly)) / "run0.adapter1.safetensors";
    {
      std::fstream f(adapter, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(-3, std::ios::end);
      f.put('\x7f');
    }
    r = engine({"import", QString::fromStdString(dir), "--db", QString::fromStdString(db)});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QString::fromStdString(adapter.string())), qPrintable(r.err));
    QVERIFY2(r.err.contains("does not match its SHA-256"), qPrintable(r.err));
    QCOMPARE(sy::test::stored_runs(db).size(), size_t(0));

    // Running that unit again makes a fresh, complete bundle, and the plan imports.
    r = engine({"unit", QString::fromStdString(dir), QString::number(assembly)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = engine({"import", QString::fromStdString(dir), "--db", QString::fromStdString(db)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(sy::test::stored_runs(db).size(), size_t(6));
  }

  void bad_plans_and_arguments_get_one_clear_error() {
    const std::string twice = path("twice.json");
    std::ofstream(twice) << R"({"name": "twice", "tasks": ["reverse"],
      "strategies": ["oracle", "oracle"]})";
    Result r = engine({"plan", QString::fromStdString(twice), "--out",
                       QString::fromStdString(path("twice-plan"))});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("strategies[1] has the label \"oracle\" of strategies[0]"),
             qPrintable(r.err));
    QVERIFY(!fs::exists(path("twice-plan")));

    r = engine({"unit", QString::fromStdString(path("plan")), "99"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("there is no unit 99"), qPrintable(r.err));
    r = engine({"unit", QString::fromStdString(path("plan")), "-1"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("must be a whole number"), qPrintable(r.err));
    r = engine({"import", QString::fromStdString(path("nowhere"))});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("plan.json does not exist"), qPrintable(r.err));

    // A plan.json edited by hand: the field is named.
    const std::string dir = path("edited");
    fs::create_directories(dir);
    json_edit(dir);
    r = engine({"import", QString::fromStdString(dir), "--check"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("units[1].after must name earlier units only"), qPrintable(r.err));
  }

 private:
  void json_edit(const std::string& dir) {
    nlohmann::json plan = read_json_file(path("plan") + "/plan.json");
    plan["units"][1]["after"] = {1};
    write_json_file(dir + "/plan.json", plan);
  }
};

QTEST_GUILESS_MAIN(TestPlan)
#include "test_plan.moc"
