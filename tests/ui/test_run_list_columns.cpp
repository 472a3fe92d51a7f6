// What each run list row says about its run, on a real SQLite file (issue 21): quick or full
// (and the filter finds "quick"), its stages as finished of planned — the stored plan, so that a
// finished multitask run reads 1/1 and not 1/5 —, a diverged run's status, and how long it ran.
#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QtTest>

#include "storage/store.h"
#include "tests/common/extended_run.h"
#include "ui/run_list_model.h"
#include "ui/seed_group_model.h"

using namespace sy;
using namespace sy::ui;

namespace {

int64_t add_run(store::Store& store, int64_t experiment, const std::string& strategy, bool quick,
                std::optional<int> stage_count = std::nullopt) {
  store::NewRun n;
  n.experiment_id = experiment;
  n.strategy = n.label = strategy;
  n.config_json = std::string(R"({"quick":)") + (quick ? "true" : "false") + "}";
  const int64_t id = store.create_run(n);
  std::vector<store::RunTask> tasks;
  for (const char* t : {"reverse", "capitalize", "sort", "copy", "count"})
    tasks.push_back({t, "exact"});
  store.set_run_tasks(id, tasks, stage_count);
  return id;
}

QString cell(const QAbstractItemModel& model, int64_t run, int column) {
  for (int r = 0; r < model.rowCount(); ++r) {
    const QModelIndex index = model.index(r, column);
    if (index.data(RunListModel::RunIdRole).toLongLong() == run) return index.data().toString();
  }
  return "(no row)";
}

}  // namespace

class TestRunListColumns : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

 private Q_SLOTS:
  void quickAndFullAreTold() {
    store::Store store = store::Store::open(dir_.filePath("mode.db").toStdString());
    const int64_t e = store.create_experiment("demo", "{}");
    const int64_t quick = add_run(store, e, "seq-lora", true);
    const int64_t full = add_run(store, e, "seq-lora", false);
    RunListModel runs;
    QAbstractItemModelTester tester(&runs);
    runs.refresh(store);
    QCOMPARE(cell(runs, quick, RunListModel::Mode), QString("quick"));
    QCOMPARE(cell(runs, full, RunListModel::Mode), QString("full"));

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&runs);
    proxy.setFilterKeyColumn(-1);
    proxy.setFilterFixedString("quick");
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(RunListModel::RunIdRole).toLongLong(), quick);
  }

  // The run list reads the stored plan: one stage for multitask, one per task otherwise; the
  // queue shows the same total from run_started's "stages".
  void stagesAreFinishedOfPlanned() {
    store::Store store = store::Store::open(dir_.filePath("stages.db").toStdString());
    const int64_t e = store.create_experiment("demo", "{}");
    const int64_t multitask = add_run(store, e, "multitask", false, 1);
    store.begin_stage(multitask, 1);
    store.finish_stage(multitask, 1);
    store.set_run_status(multitask, store::RunStatus::Finished);
    const int64_t lora = add_run(store, e, "seq-lora", false);
    for (int stage = 1; stage <= 2; ++stage) {
      store.begin_stage(lora, stage);
      store.finish_stage(lora, stage);
    }
    RunListModel runs;
    runs.refresh(store);
    QCOMPARE(cell(runs, multitask, RunListModel::Stages), QString("1/1"));
    QCOMPARE(cell(runs, lora, RunListModel::Stages), QString("2/5"));
  }

  void divergedRunSaysSo() {
    store::Store store = store::Store::open(dir_.filePath("diverged.db").toStdString());
    const int64_t e = store.create_experiment("demo", "{}");
    const int64_t run = add_run(store, e, "seq-ft", false);
    store.set_run_status(run, store::RunStatus::Finished);
    store.add_tag(run, store::kDivergedTag);
    const int64_t fine = add_run(store, e, "seq-ft", false);
    store.set_run_status(fine, store::RunStatus::Finished);
    RunListModel runs;
    runs.refresh(store);
    QCOMPARE(cell(runs, run, RunListModel::Status), QString("finished · diverged"));
    QCOMPARE(cell(runs, fine, RunListModel::Status), QString("finished"));
  }

  void durationIsTheTimeItWorked() {
    QCOMPARE(RunListModel::durationText(45'000), QString("45s"));
    QCOMPARE(RunListModel::durationText(245'000), QString("4m 05s"));
    QCOMPARE(RunListModel::durationText(7'380'000), QString("2h 03m"));
    store::Store store = store::Store::open(dir_.filePath("duration.db").toStdString());
    const int64_t e = store.create_experiment("demo", "{}");
    const int64_t created = add_run(store, e, "seq-ft", false);
    // Issue 21: extended three days after it finished, a run that worked 150 s read "72h 02m".
    const int64_t extended = test::store_extended_run(store);
    RunListModel runs;
    runs.refresh(store);
    QCOMPARE(cell(runs, created, RunListModel::Duration), QString("–"));
    QCOMPARE(cell(runs, extended, RunListModel::Duration), QString("2m 30s"));
  }
};

QTEST_GUILESS_MAIN(TestRunListColumns)
#include "test_run_list_columns.moc"
