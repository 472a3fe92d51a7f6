// Submit to Slurm from the app's window, on a real one-node cluster (slurm_cluster.sh): the plan
// is made and submitted, the queue follows it with a watch job that takes no local slot, the
// units' runs are drawn live before they are stored, and once every unit is complete they are
// imported into the window's database and listed. Skipped without Slurm, unless
// SWITCHYARD_REQUIRE_SLURM=1.
#include <QtTest>

#include <fstream>

#include <QAction>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>

#include "storage/store.h"
#include "tests/common/app_test_env.h"
#include "tests/common/run_process.h"
#include "ui/main_window.h"
#include "ui/run_list_model.h"
#include "ui/run_queue.h"
#include "ui/slurm_submission.h"

using namespace sy;
using namespace sy::ui;

namespace {

const char* kCluster = SWITCHYARD_SOURCE_DIR "/tests/slurm/slurm_cluster.sh";

const char* kExperiment = R"({
  "name": "submitted", "tasks": ["reverse", "count"],
  "data": {"train_examples": 200, "test_examples": 8},
  "training": {"steps": 90, "batch_size": 8, "precision": "fp32"},
  "strategies": ["seq-ft", "oracle", "switchcit"], "evaluation": {"max_new_tokens": 12}})";

int run(const QString& program, const QStringList& args, QString* out = nullptr) {
  const sy::test::ProcessResult r = sy::test::run_process(program, args, 120000);
  if (out) *out = r.out + r.err;
  return r.code;
}

}  // namespace

class TestSlurmWindow : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  bool started_ = false;

 private Q_SLOTS:
  void initTestCase() {
    qputenv("PATH", qgetenv("PATH") + ":/usr/sbin");
    if (run("sh", {"-c", "command -v slurmctld && command -v sbatch && command -v munged"}) != 0) {
      if (qgetenv("SWITCHYARD_REQUIRE_SLURM") == "1") {
        QFAIL("Slurm is not installed (slurm-wlm, munge) but SWITCHYARD_REQUIRE_SLURM=1");
      }
      QSKIP(
          "Slurm is not installed (Debian's slurm-wlm and munge): scripts/test --slurm "
          "installs it");
    }
    QVERIFY(dir_.isValid());
    sy::test::isolate_app(QDir(dir_.path()), SY_ENGINE_BIN);
    QString out;
    QVERIFY2(run(kCluster, {"start", dir_.filePath("cluster")}, &out) == 0, qPrintable(out));
    started_ = true;
    qputenv("SLURM_CONF", dir_.filePath("cluster/slurm.conf").toUtf8());
    std::ofstream(dir_.filePath("submitted.json").toStdString()) << kExperiment;
  }

  void cleanupTestCase() {
    if (started_) run(kCluster, {"stop", dir_.filePath("cluster")});
  }

  void submit_follow_live_and_import() {
    const QString db = dir_.filePath("window.db");
    MainWindow window(db);
    window.show();
    QVERIFY(window.openExperiment(dir_.filePath("submitted.json")));
    window.setQuick(true);
    QAction* submit = nullptr;
    for (QAction* a : window.findChildren<QAction*>()) {
      if (a->text() == "Submit to &Slurm…") submit = a;
    }
    QVERIFY(submit && submit->isVisible());  // sbatch is on the PATH here

    int live_unstored = 0;
    connect(&window.queue(), &RunQueue::jobEvent, this, [&](int, const QJsonObject& e) {
      if (e.value("type").toString() == "train_step" && e.value("run").isNull()) ++live_unstored;
    });
    SlurmSettings settings;
    settings.cpus_per_unit = QThread::idealThreadCount();
    settings.time = "30";
    const QString plan = dir_.filePath("plan");
    QVERIFY(window.submitToSlurm(settings, plan));
    // The watch job appears in the queue, running at once beside the local slots.
    QTRY_VERIFY_WITH_TIMEOUT(window.queue().runningCount() == 1, 60000);
    QCOMPARE(window.queue().job(window.queue().jobIds().front())->arguments.front(),
             QString("watch"));
    QVERIFY(QFileInfo::exists(plan + "/submit.sh"));
    // Local runs still start while it waits on the cluster.
    QVERIFY(window.queue().job(window.queue().jobIds().front())->remote);

    QTRY_VERIFY_WITH_TIMEOUT(window.queue().runningCount() + window.queue().queuedCount() == 0,
                             300000);
    QVERIFY(live_unstored > 0);  // drawn live from the bundles before any run was stored
    QVERIFY(window.shownRun() < 0);

    // Imported into the window's database, and listed.
    store::Store store = store::Store::open(db.toStdString());
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), size_t(3));
    for (const auto& r : runs) QVERIFY(r.status == store::RunStatus::Finished);
    QCOMPARE(window.runs().rowCount(), 3);
  }
};

QTEST_MAIN(TestSlurmWindow)
#include "test_slurm_window.moc"
