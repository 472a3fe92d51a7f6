// Plans on a real one-node Slurm cluster (slurmctld, slurmd and munged started for the suite by
// slurm_cluster.sh): the quick demo submitted through the plan's submit.sh, followed by watch and
// imported by the last job, stores the very runs a local run stores; a unit killed with scancel
// mid-way is named by watch and import, nothing partial is stored, and running submit.sh again
// completes the plan. Skipped without Slurm, unless SWITCHYARD_REQUIRE_SLURM=1.
#include <QtTest>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include <QProcess>
#include <QTemporaryDir>

#include "tests/common/run_process.h"
#include "tests/common/stored_runs.h"

namespace fs = std::filesystem;

namespace {

const char* kCluster = SWITCHYARD_SOURCE_DIR "/tests/slurm/slurm_cluster.sh";

using Result = sy::test::ProcessResult;

Result run(const QString& program, const QStringList& args, int timeout_ms = 600000) {
  return sy::test::run_process(program, args, timeout_ms);
}

Result engine(const QStringList& args) {
  return run(SY_ENGINE_BIN, args);
}

bool have_slurm() {
  for (const char* program : {"slurmctld", "slurmd", "munged", "sbatch", "squeue"}) {
    if (run("sh", {"-c", QString("command -v %1 || test -x /usr/sbin/%1").arg(program)}).code !=
        0) {
      return false;
    }
  }
  return true;
}

// Waits until no job of this cluster is queued or running.
void wait_for_idle_queue() {
  for (int i = 0; i < 1200; ++i) {
    const Result q = run("squeue", {"-h", "-r", "-o", "%i"});
    if (q.code == 0 && q.out.trimmed().isEmpty()) return;
    QTest::qWait(250);
  }
  QFAIL("the Slurm queue never emptied");
}

// The id of the first job of the queue in state RUNNING whose array index is `unit`.
QString running_job_of_unit(int unit) {
  for (int i = 0; i < 2400; ++i) {
    const Result q = run("squeue", {"-h", "-r", "-o", "%i %T"});
    for (const QString& line : q.out.split('\n', Qt::SkipEmptyParts)) {
      const QStringList parts = line.split(' ');
      if (parts.size() == 2 && parts[1] == "RUNNING" &&
          parts[0].endsWith(QString("_%1").arg(unit))) {
        return parts[0];
      }
    }
    QTest::qWait(50);
  }
  return "";
}

}  // namespace

class TestSlurm : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  QString cluster_;
  bool started_ = false;

  std::string path(const std::string& name) const {
    return (fs::path(tmp_.path().toStdString()) / name).string();
  }
  QString qpath(const std::string& name) const { return QString::fromStdString(path(name)); }

 private Q_SLOTS:
  void initTestCase() {
    if (!have_slurm()) {
      if (qgetenv("SWITCHYARD_REQUIRE_SLURM") == "1") {
        QFAIL("Slurm is not installed (slurm-wlm, munge) but SWITCHYARD_REQUIRE_SLURM=1");
      }
      QSKIP(
          "Slurm is not installed (Debian's slurm-wlm and munge): scripts/test --slurm "
          "installs it");
    }
    QVERIFY(tmp_.isValid());
    qputenv("PATH", qgetenv("PATH") + ":/usr/sbin");
    cluster_ = qpath("cluster");
    const Result r = run(kCluster, {"start", cluster_}, 120000);
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    started_ = true;
    qputenv("SLURM_CONF", (cluster_ + "/slurm.conf").toUtf8());
  }

  void cleanupTestCase() {
    if (started_) run(kCluster, {"stop", cluster_}, 60000);
  }

  void the_quick_demo_through_slurm_equals_a_local_run() {
    const QString demo = SWITCHYARD_SOURCE_DIR "/resources/experiments/demo.json";
    const Result local = engine({"run", demo, "--quick", "--db", qpath("local.db")});
    QVERIFY2(local.code == 0, qPrintable(local.err));

    const QString dir = qpath("demo-plan");
    const Result planned = engine({"plan", demo, "--quick", "--out", dir, "--slurm",
                                   "--cpus-per-unit", QString::number(QThread::idealThreadCount()),
                                   "--time", "30", "--db", qpath("slurm.db")});
    QVERIFY2(planned.code == 0, qPrintable(planned.err));
    const Result submitted = run(dir + "/submit.sh", {});
    QVERIFY2(submitted.code == 0, qPrintable(submitted.err));
    QVERIFY2(submitted.out.contains("submitted 10 of 10 units"), qPrintable(submitted.out));

    const Result watched = engine({"watch", dir, "--interval", "0.5"});
    QVERIFY2(watched.code == 0, qPrintable(watched.err));
    QVERIFY2(watched.out.contains("10 of 10 units complete"), qPrintable(watched.out));
    wait_for_idle_queue();  // the last job imports
    const QString log = QString::fromStdString(path("demo-plan/slurm/import.out"));
    QFile import_log(log);
    QVERIFY(import_log.open(QIODevice::ReadOnly));
    QVERIFY2(import_log.readAll().contains("imported plan"), qPrintable(log));

    const auto want = sy::test::stored_runs(path("local.db"));
    const auto got = sy::test::stored_runs(path("slurm.db"));
    QCOMPARE(want.size(), size_t(7));
    const std::string difference = sy::test::first_difference(want, got);
    QVERIFY2(difference.empty(), difference.c_str());
  }

  void a_unit_cancelled_mid_way_is_named_and_resubmitted() {
    const std::string experiment = path("small.json");
    std::ofstream(experiment) << R"({
      "name": "cancelled", "tasks": ["reverse", "capitalize"],
      "data": {"train_examples": 200, "test_examples": 8},
      "training": {"steps": 600, "batch_size": 8, "precision": "fp32"},
      "strategies": ["seq-ft", "oracle"], "evaluation": {"max_new_tokens": 12}})";
    const QString dir = qpath("cancel-plan");
    const QString db = qpath("cancel.db");
    const Result planned =
        engine({"plan", QString::fromStdString(experiment), "--quick", "--out", dir, "--slurm",
                "--cpus-per-unit", QString::number(QThread::idealThreadCount()), "--db", db});
    QVERIFY2(planned.code == 0, qPrintable(planned.err));
    // Units: 0 and 1 the experts, 2 seq-ft, 3 oracle.
    QVERIFY2(planned.out.contains("unit 2  seq-ft, seed 0"), qPrintable(planned.out));
    QCOMPARE(run(dir + "/submit.sh", {}).code, 0);
    const QString job = running_job_of_unit(2);
    QVERIFY2(!job.isEmpty(), "unit 2 never ran");
    QTest::qWait(500);  // mid-way through its training
    QCOMPARE(run("scancel", {job}).code, 0);

    const Result watched = engine({"watch", dir, "--interval", "0.5"});
    QCOMPARE(watched.code, 1);
    QVERIFY2(watched.err.contains("error: unit 2 of plan"), qPrintable(watched.err));
    QVERIFY2(watched.out.contains("unit 2  seq-ft, seed 0  ended without a bundle"),
             qPrintable(watched.out));
    const Result refused = engine({"import", dir, "--db", db});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("unit 2 (seq-ft, seed 0)"), qPrintable(refused.err));
    QCOMPARE(sy::test::stored_runs(db.toStdString()).size(), size_t(0));

    const Result again = run(dir + "/submit.sh", {});
    QVERIFY2(again.code == 0, qPrintable(again.err));
    QVERIFY2(again.out.contains("submitted 1 of 4 units"), qPrintable(again.out));
    QCOMPARE(engine({"watch", dir, "--interval", "0.5"}).code, 0);
    wait_for_idle_queue();
    const auto runs = sy::test::stored_runs(db.toStdString());
    QCOMPARE(runs.size(), size_t(2));
    QCOMPARE(runs.at("seq-ft/seed0").status, std::string("finished"));
    QCOMPARE(runs.at("seq-ft/seed0").stages, 2);
  }

  void units_as_data_parallel_srun_ranks_train_what_one_process_trains() {
    const std::string experiment = path("ranks.json");
    std::ofstream(experiment) << R"({
      "name": "ranks", "tasks": ["reverse", "count"],
      "data": {"train_examples": 200, "test_examples": 8},
      "training": {"steps": 90, "batch_size": 8, "precision": "fp32"},
      "strategies": ["seq-lora", "oracle"], "evaluation": {"max_new_tokens": 12}})";
    const Result local =
        engine({"run", QString::fromStdString(experiment), "--quick", "--db", qpath("ranks1.db")});
    QVERIFY2(local.code == 0, qPrintable(local.err));
    const QString dir = qpath("ranks-plan");
    const Result planned =
        engine({"plan", QString::fromStdString(experiment), "--quick", "--out", dir, "--slurm",
                "--ranks-per-unit", "2", "--cpus-per-unit", "1", "--db", qpath("ranks2.db")});
    QVERIFY2(planned.code == 0, qPrintable(planned.err));
    QCOMPARE(run(dir + "/submit.sh", {}).code, 0);
    const Result watched = engine({"watch", dir, "--interval", "0.5"});
    QVERIFY2(watched.code == 0, qPrintable(watched.err + watched.out));
    wait_for_idle_queue();
    // Two c10d ranks (srun -n 2, Gloo) sum the gradients in another order than one process:
    // the same scores, and curves equal to float rounding.
    const auto one = sy::test::stored_runs(path("ranks1.db"));
    const auto two = sy::test::stored_runs(path("ranks2.db"));
    QCOMPARE(two.size(), one.size());
    for (const auto& [key, want] : one) {
      QVERIFY2(two.count(key), key.c_str());
      const sy::test::StoredRun& got = two.at(key);
      QCOMPARE(got.status, std::string("finished"));
      QVERIFY2(got.scores == want.scores, key.c_str());
      QCOMPARE(got.points.size(), want.points.size());
      for (size_t i = 0; i < want.points.size(); ++i) {
        const double a = std::get<2>(want.points[i]), b = std::get<2>(got.points[i]);
        QVERIFY2(std::abs(a - b) <= 1e-4 * std::abs(a), key.c_str());
      }
    }
    // Only rank 0 wrote: one progress report per step in the unit's log, not two.
    QFile log(dir + "/slurm/unit-1.out");
    QVERIFY(log.open(QIODevice::ReadOnly));
    QCOMPARE(log.readAll().count("step 6/6"), 1);
  }

  void cancelling_watch_with_cancel_jobs_cancels_the_plan() {
    const QString dir = qpath("stopped-plan");
    const Result planned =
        engine({"plan", QString::fromStdString(path("small.json")), "--quick", "--out", dir,
                "--slurm", "--cpus-per-unit", QString::number(QThread::idealThreadCount())});
    QVERIFY2(planned.code == 0, qPrintable(planned.err));
    QCOMPARE(run(dir + "/submit.sh", {}).code, 0);
    QProcess watch;
    watch.start(SY_ENGINE_BIN, {"watch", dir, "--interval", "0.2", "--cancel-jobs"});
    QVERIFY(watch.waitForStarted());
    QVERIFY2(!running_job_of_unit(0).isEmpty(), "unit 0 never ran");
    // Its first table means it is watching, signals taken; a SIGTERM before that ends it the
    // default way (exit by signal 15), which under load made this test fail now and then.
    QVERIFY(watch.waitForReadyRead(30000));
    ::kill(static_cast<pid_t>(watch.processId()), SIGTERM);
    QVERIFY(watch.waitForFinished(30000));
    QCOMPARE(watch.exitCode(), 130);
    QVERIFY(watch.readAllStandardOutput().contains("cancelled the Slurm jobs of plan"));
    wait_for_idle_queue();  // every job of the plan, running or waiting, is gone
    QVERIFY(!fs::exists(path("stopped-plan/slurm/import.out")));
  }
};

QTEST_GUILESS_MAIN(TestSlurm)
#include "test_slurm.moc"
