// The Slurm submission steps.
#include "ui/slurm_submission.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include "ui/engine_process.h"

namespace sy::ui {

bool slurm_available() {
  return !QStandardPaths::findExecutable("sbatch").isEmpty();
}

QString default_plan_dir(const QString& experiment_path) {
  const QFileInfo info(experiment_path);
  return info.absoluteDir().filePath(info.completeBaseName() + "-plans/" +
                                     QDateTime::currentDateTime().toString("yyyyMMdd-hhmmss"));
}

QStringList plan_arguments(const QString& experiment_path, const QString& plan_dir, bool quick,
                           const SlurmSettings& settings) {
  QStringList args = {"plan", experiment_path, "--out", plan_dir, "--slurm"};
  if (quick) args << "--quick";
  if (!settings.partition.isEmpty()) args << "--partition" << settings.partition;
  if (!settings.time.isEmpty()) args << "--time" << settings.time;
  if (settings.cpus_per_unit > 0)
    args << "--cpus-per-unit" << QString::number(settings.cpus_per_unit);
  if (settings.gpus_per_unit > 0)
    args << "--gpus-per-unit" << QString::number(settings.gpus_per_unit);
  if (settings.ranks_per_unit > 1) {
    args << "--ranks-per-unit" << QString::number(settings.ranks_per_unit);
  }
  return args;
}

RunJob watch_job(const QString& plan_dir, const QString& title, const QString& db) {
  RunJob job;
  job.title = title + " (Slurm)";
  // Cancel in the queue cancels the plan's jobs too (--cancel-jobs).
  job.arguments = {"watch", plan_dir, "--events", "--import", "--db", db, "--cancel-jobs"};
  job.remote = true;
  return job;
}

SlurmSubmitter::SlurmSubmitter(QObject* parent) : QObject(parent) {}

void SlurmSubmitter::start(const QString& engine, const QStringList& plan_arguments,
                           const QString& plan_dir) {
  plan_dir_ = plan_dir;
  step(engine, plan_arguments, [this](const QString&) {
    step(QDir(plan_dir_).filePath("submit.sh"), {}, [this](const QString& output) {
      Q_EMIT submitted(plan_dir_, output.trimmed().section('\n', 0, 0));
    });
  });
}

void SlurmSubmitter::step(const QString& program, const QStringList& arguments,
                          const std::function<void(const QString& output)>& next) {
  // submit.sh is no engine, but it is started the same way: one way to run a child process.
  auto* process = new EngineProcess(arguments, this);
  process->setProgram(program);
  process->setCollectOutput();
  connect(process, &EngineProcess::finished, this,
          [this, process, program, next](int code, const QString& message) {
            process->deleteLater();
            if (code == 0) {
              next(QString::fromUtf8(process->output()));
              return;
            }
            // The `error:` line of the failing step, else its last words.
            Q_EMIT failed(message.isEmpty() ? QFileInfo(program).fileName() + " failed" : message);
          });
  process->start();
}

}  // namespace sy::ui
