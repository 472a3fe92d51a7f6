// The run list on a real SQLite file: RunListModel reads the runs, SeedGroupModel folds the runs
// that differ only by seed (seed_group_key: same experiment, strategy, label, tasks and stored
// settings) into one row with n, mean AP ± standard deviation, the union of tags and the runs as
// children; a QSortFilterProxyModel filters it recursively. Both models run under
// QAbstractItemModelTester; 3000 runs are read, grouped, sorted and filtered (bench_gui times it).
#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

#include "storage/store.h"
#include "ui/run_list_model.h"
#include "ui/seed_group.h"
#include "ui/seed_group_model.h"

using namespace sy;
using namespace sy::ui;

namespace {

QString config(bool quick, const QString& file = "/home/me/demo.json", double lr = 0.002) {
  return QString(R"({"experiment_file":"%1","label":"x","quick":%2,)"
                 R"("strategy":{"name":"seq-lora","lr":%3,"steps":300}})")
      .arg(file, quick ? "true" : "false")
      .arg(lr);
}

struct Run {
  std::string strategy, label;
  uint64_t seed = 0;
  QString config;
  std::optional<double> ap;
  std::vector<std::string> tags = {};
  std::vector<std::string> tasks = {"reverse", "capitalize"};
  store::RunStatus status = store::RunStatus::Finished;
};

int64_t add_run(store::Store& store, int64_t experiment, const Run& r) {
  store::NewRun n;
  n.experiment_id = experiment;
  n.strategy = r.strategy;
  n.label = r.label;
  n.seed = r.seed;
  n.config_json = r.config.toStdString();
  const int64_t id = store.create_run(n);
  std::vector<store::RunTask> tasks;
  for (const auto& t : r.tasks) tasks.push_back({t, "exact"});
  store.set_run_tasks(id, tasks);
  store.set_run_status(id, r.status);
  if (r.ap) store.set_run_summary(id, QString(R"({"ap":%1})").arg(*r.ap).toStdString());
  for (const auto& tag : r.tags) store.add_tag(id, tag);
  return id;
}

// The top-level row whose label column reads `label` and seed column `seed_text`.
QModelIndex row_of(const QAbstractItemModel& model, const QString& label, const QString& seed_text,
                   const QModelIndex& parent = {}) {
  for (int r = 0; r < model.rowCount(parent); ++r) {
    const QModelIndex index = model.index(r, RunListModel::Label, parent);
    if (index.data().toString() == label &&
        index.siblingAtColumn(RunListModel::Seed).data().toString() == seed_text)
      return index;
  }
  return {};
}

QString cell(const QModelIndex& index, int column, int role = Qt::DisplayRole) {
  return index.siblingAtColumn(column).data(role).toString();
}

QList<qlonglong> ids_of(const QModelIndex& index) {
  QList<qlonglong> ids;
  for (const QVariant& v : index.data(RunListModel::RunIdsRole).toList()) ids << v.toLongLong();
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

class TestRunList : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void seedGroupKeyMeansOnlyTheSeedDiffers() {
    const QStringList tasks = {"reverse", "capitalize"};
    const QString key = seed_group_key("demo", "seq-lora", "seq-lora", tasks, config(false));
    // Where the file was read from is not a setting; key order in the JSON does not matter.
    QCOMPARE(
        seed_group_key("demo", "seq-lora", "seq-lora", tasks, config(false, "/elsewhere.json")),
        key);
    QCOMPARE(seed_group_key("demo", "seq-lora", "seq-lora", tasks,
                            R"({"strategy":{"steps":300,"lr":0.002,"name":"seq-lora"},)"
                            R"("quick":false,"label":"x"})"),
             key);
    // An empty label stands for the strategy's name, as in the store.
    QCOMPARE(seed_group_key("demo", "seq-lora", "", tasks, config(false)), key);
    // Anything else that differs makes another group.
    QVERIFY(seed_group_key("demo", "seq-lora", "seq-lora", tasks, config(true)) != key);
    QVERIFY(seed_group_key("demo", "seq-lora", "seq-lora", tasks, config(false, {}, 0.001)) != key);
    QVERIFY(seed_group_key("demo", "seq-lora", "seq-lora", {"reverse"}, config(false)) != key);
    QVERIFY(seed_group_key("demo", "seq-lora", "seq-lora", {"capitalize", "reverse"},
                           config(false)) != key);
    QVERIFY(seed_group_key("other", "seq-lora", "seq-lora", tasks, config(false)) != key);
    QVERIFY(seed_group_key("demo", "seq-lora", "lr-low", tasks, config(false)) != key);
    QVERIFY(seed_group_key("demo", "seq-lora", "seq-lora", tasks, QString()) != key);
    // A run's trace gives the same key as its fields.
    RunTrace trace;
    trace.experiment = "demo";
    trace.strategy = trace.label = "seq-lora";
    trace.tasks = tasks;
    trace.seed = 9;
    QCOMPARE(seed_group_key(trace, config(false)), key);
  }

  void groupsFoldSeedsAndKeepSingleRuns() {
    store::Store store = store::Store::open(dir_.filePath("groups.db").toStdString());
    const int64_t first = store.create_experiment("demo", "{}");
    const int64_t again = store.create_experiment("demo", "{}");  // the same file, run later
    const int64_t shorter = store.create_experiment("demo", "{}");
    const int64_t s0 = add_run(store, first, {"seq-lora", "seq-lora", 0, config(false), 0.5});
    const int64_t s1 = add_run(store, first, {"seq-lora", "seq-lora", 1, config(false), 0.7});
    const int64_t s2 = add_run(store, first,
                               {"seq-lora",
                                "seq-lora",
                                2,
                                config(false),
                                std::nullopt,
                                {},
                                {"reverse", "capitalize"},
                                store::RunStatus::Failed});
    const int64_t c0 =
        add_run(store, first, {"switchcit", "switchcit", 0, config(false), 0.8, {"x"}});
    const int64_t c1 =
        add_run(store, first, {"switchcit", "switchcit", 1, config(false), 0.9, {"baseline", "x"}});
    const int64_t replay = add_run(store, first, {"replay", "replay", 0, config(false), 0.6});
    const int64_t quick = add_run(store, first, {"seq-lora", "seq-lora", 0, config(true), 0.1});
    const int64_t s3 =
        add_run(store, again, {"seq-lora", "seq-lora", 3, config(false, "/copy/demo.json"), 0.6});
    const int64_t one_task =
        add_run(store, shorter, {"seq-lora", "seq-lora", 0, config(false), 0.9, {}, {"reverse"}});

    RunListModel runs;
    QAbstractItemModelTester list_tester(&runs,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    SeedGroupModel groups(&runs);
    QAbstractItemModelTester group_tester(&groups,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    runs.refresh(store);
    QCOMPARE(runs.rowCount(), 9);
    QCOMPARE(runs.index(runs.rowOf(s0), 0).data(RunListModel::SeedGroupKeyRole),
             runs.index(runs.rowOf(s3), 0).data(RunListModel::SeedGroupKeyRole));
    QCOMPARE(ids_of(runs.index(runs.rowOf(s1), 0)), QList<qlonglong>{s1});

    // seq-lora ×4 (two experiment records of one file), switchcit ×2, and three single runs.
    QCOMPARE(groups.rowCount(), 5);
    const QModelIndex seq = row_of(groups, "seq-lora", "n = 4");
    QVERIFY(seq.isValid());
    QVERIFY(SeedGroupModel::isGroup(seq));
    QCOMPARE(groups.rowCount(seq.siblingAtColumn(0)), 4);
    QCOMPARE(ids_of(seq), (QList<qlonglong>{s0, s1, s2, s3}));
    QCOMPARE(seq.data(RunListModel::RunIdRole).toLongLong(), 0);
    // AP over the three runs that have one: mean 60.0, standard deviation 10.0 (n - 1); min and
    // max in the tooltip. Compact, so that the column fits (issue 21, 8: "5.3 (2.0" was cut).
    QCOMPARE(cell(seq, RunListModel::Ap), QString::fromUtf8("60.0 ± 10.0"));
    QVERIFY(cell(seq, RunListModel::Ap, Qt::ToolTipRole).contains("min 50.0, max 70.0"));
    QCOMPARE(seq.siblingAtColumn(RunListModel::Ap).data(Qt::EditRole).toDouble(), 0.6);
    QVERIFY(cell(seq, RunListModel::Ap, Qt::ToolTipRole).contains("3 runs"));
    QCOMPARE(cell(seq, RunListModel::Status), QString("1 failed, 3 finished"));
    QCOMPARE(cell(seq, RunListModel::Seed, Qt::ToolTipRole), QString("seeds 0, 1, 2, 3"));
    QCOMPARE(cell(seq, RunListModel::Strategy), QString("seq-lora"));
    QCOMPARE(cell(seq, RunListModel::Stages), QString("0/2"));
    // Its children are the runs themselves, with their own values.
    QList<qlonglong> children;
    for (int r = 0; r < 4; ++r) {
      const QModelIndex child = groups.index(r, RunListModel::Ap, seq.siblingAtColumn(0));
      QCOMPARE(child.parent(), seq.siblingAtColumn(0));
      QVERIFY(!SeedGroupModel::isGroup(child));
      children << child.data(RunListModel::RunIdRole).toLongLong();
      if (children.last() == s2) QCOMPARE(child.data().toString(), QString::fromUtf8("–"));
      if (children.last() == s1) QCOMPARE(child.data().toString(), QString("70.0"));
    }
    std::sort(children.begin(), children.end());
    QCOMPARE(children, (QList<qlonglong>{s0, s1, s2, s3}));

    const QModelIndex cit = row_of(groups, "switchcit", "n = 2");
    QVERIFY(cit.isValid());
    QCOMPARE(cell(cit, RunListModel::Tags), QString("baseline, x"));
    QCOMPARE(cell(cit, RunListModel::Ap), QString::fromUtf8("85.0 ± 7.1"));
    QCOMPARE(cell(cit, RunListModel::Status), QString("finished"));
    QCOMPARE(ids_of(cit), (QList<qlonglong>{c0, c1}));

    // A run without replicates is a plain row: its own id, no children.
    for (int64_t single : {replay, quick, one_task}) {
      int found = 0;
      for (int r = 0; r < groups.rowCount(); ++r) {
        const QModelIndex index = groups.index(r, 0);
        if (index.data(RunListModel::RunIdRole).toLongLong() != single) continue;
        ++found;
        QCOMPARE(groups.rowCount(index), 0);
        QCOMPARE(cell(index, RunListModel::Seed), QString("0"));
      }
      QCOMPARE(found, 1);
    }

    // Filtering keeps a group while one of its runs matches, and only the runs that match.
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&groups);
    proxy.setRecursiveFilteringEnabled(true);
    proxy.setFilterKeyColumn(-1);
    proxy.setSortRole(Qt::EditRole);
    QAbstractItemModelTester proxy_tester(&proxy,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setFilterFixedString("baseline");
    QCOMPARE(proxy.rowCount(), 1);
    const QModelIndex filtered = proxy.index(0, 0);
    QCOMPARE(proxy.rowCount(filtered), 1);
    QCOMPARE(proxy.index(0, 0, filtered).data(RunListModel::RunIdRole).toLongLong(), c1);
    QCOMPARE(ids_of(filtered), (QList<qlonglong>{c0, c1}));  // the group stands for both
    proxy.setFilterFixedString(QString());
    // Sorting by AP orders groups by their mean.
    proxy.sort(RunListModel::Ap, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, RunListModel::Ap).data(Qt::EditRole).toDouble(), 0.9);  // one_task
    QCOMPARE(proxy.index(1, RunListModel::Ap).data().toString(), QString::fromUtf8("85.0 ± 7.1"));

    // A new seed joins its group on the next refresh; an extended run (more tasks, new
    // settings) leaves it, although the list had its key cached.
    add_run(store, again, {"seq-lora", "seq-lora", 4, config(false), 0.8});
    store.set_run_tasks(s0, {{"reverse", "exact"}, {"capitalize", "exact"}, {"count", "exact"}});
    store.set_run_config(s0, config(false, "/home/me/demo.json").toStdString());
    runs.refresh(store);
    const QModelIndex grown = row_of(groups, "seq-lora", "n = 4");
    QVERIFY(grown.isValid());
    QVERIFY(!ids_of(grown).contains(s0));
    QCOMPARE(groups.rowCount(), 6);
    QCOMPARE(runs.rowCount(), 10);

    // Deleted runs leave their groups: two of switchcit's gone, the group is gone.
    store.delete_run(c0);
    runs.refresh(store);
    QVERIFY(!row_of(groups, "switchcit", "n = 2").isValid());
    QVERIFY(row_of(groups, "switchcit", "1").isValid());
  }

  // A seed run again is one sample: the group's n counts seeds, its AP is over the newest run of
  // each seed, and its seeds read "0 (×2), 1" (the walk saw n = 3 and a narrowed spread from
  // seed 0 twice). Every run is still one of its children.
  void aSeedRunAgainCountsOnce() {
    QCOMPARE(one_run_per_seed({0, 1, 0}, {10, 11, 12}), (QVector<int>{1, 2}));
    QCOMPARE(one_run_per_seed({5, 5, 5}, {3, 9, 4}), (QVector<int>{1}));
    QCOMPARE(one_run_per_seed({}, {}), QVector<int>());

    store::Store store = store::Store::open(dir_.filePath("reruns.db").toStdString());
    const int64_t experiment = store.create_experiment("demo", "{}");
    const int64_t old0 =
        add_run(store, experiment, {"seq-lora", "seq-lora", 0, config(false), 0.2});
    const int64_t s1 = add_run(store, experiment, {"seq-lora", "seq-lora", 1, config(false), 0.6});
    const int64_t new0 =
        add_run(store, experiment, {"seq-lora", "seq-lora", 0, config(false), 0.8});
    RunListModel runs;
    runs.refresh(store);
    SeedGroupModel groups(&runs);
    const QModelIndex group = row_of(groups, "seq-lora", "n = 2");
    QVERIFY(group.isValid());
    QCOMPARE(ids_of(group), (QList<qlonglong>{old0, s1, new0}));
    QCOMPARE(groups.rowCount(group.siblingAtColumn(0)), 3);
    // Mean of 0.8 (seed 0's newest) and 0.6, sd 14.1; not 53.3 ± 30.6 over all three.
    QCOMPARE(cell(group, RunListModel::Ap), QString::fromUtf8("70.0 ± 14.1"));
    QCOMPARE(cell(group, RunListModel::Seed, Qt::ToolTipRole),
             QString::fromUtf8("seeds 0 (×2), 1: a seed run again counts once, by its newest run"));
  }

  // Thousands of runs in the list: every one listed, grouped by its seeds, sorted and filtered.
  // How long that takes is bench_gui's run-list table (bench/README.md), not a test's bound.
  void thousandsOfRunsGroupSortAndFilter() {
    store::Store store = store::Store::open(dir_.filePath("many.db").toStdString());
    const int64_t experiment = store.create_experiment("many", "{}");
    constexpr int kSettings = 60, kSeeds = 50;
    for (int s = 0; s < kSettings; ++s)
      for (int seed = 0; seed < kSeeds; ++seed)
        add_run(store, experiment,
                {"seq-lora", "lr" + std::to_string(s), uint64_t(seed), config(false, {}, 0.001 * s),
                 0.01 * ((s * 7 + seed) % 100)});

    RunListModel runs;
    SeedGroupModel groups(&runs);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&groups);
    proxy.setSortRole(Qt::EditRole);
    proxy.setRecursiveFilteringEnabled(true);
    proxy.setFilterKeyColumn(-1);
    proxy.sort(RunListModel::Id, Qt::DescendingOrder);

    runs.refresh(store);  // list_runs, one load_run per run for its key, grouping, sorting
    QCOMPARE(runs.rowCount(), kSettings * kSeeds);
    QCOMPARE(proxy.rowCount(), kSettings);
    QCOMPARE(proxy.rowCount(proxy.index(0, 0)), kSeeds);
    runs.refresh(store);  // keys cached: the same rows
    QCOMPARE(runs.rowCount(), kSettings * kSeeds);
    QCOMPARE(proxy.rowCount(), kSettings);
    proxy.sort(RunListModel::Ap, Qt::AscendingOrder);
    QCOMPARE(proxy.rowCount(), kSettings);
    proxy.setFilterFixedString("lr59");
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.rowCount(proxy.index(0, 0)), kSeeds);
  }
};

QTEST_MAIN(TestRunList)
#include "test_run_list.moc"
