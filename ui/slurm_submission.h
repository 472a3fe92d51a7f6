// Submitting an experiment to Slurm from the app, without widgets (docs/cluster.md): the engine
// splits it into a plan with its submit.sh (`switchyard-engine plan --slurm`), the script submits
// the units, and a `watch --events --import` job follows the plan in the run queue — its runs
// drawn live from the units' bundles as they grow, and stored in the app's database once every
// unit is complete. The steps run as EngineProcesses driven by their signals: nothing blocks.
#pragma once

#include <functional>

#include <QObject>
#include <QString>
#include <QStringList>

#include "ui/run_queue.h"

namespace sy::ui {

// What the "Submit to Slurm" dialog asks; 0 / empty: the cluster's default.
struct SlurmSettings {
  QString partition;
  QString time;  // a time limit per unit, as sbatch takes it ("30", "2:00:00")
  int cpus_per_unit = 0;
  int gpus_per_unit = 0;
  int ranks_per_unit = 1;  // data-parallel ranks per unit (srun tasks)
};

// Whether this machine can submit jobs: sbatch is on the PATH.
bool slurm_available();
// A fresh plan folder beside the experiment: <folder>/<name>-plans/<yyyyMMdd-hhmmss>.
QString default_plan_dir(const QString& experiment_path);
// `switchyard-engine plan` for the experiment and settings (--quick when `quick`).
QStringList plan_arguments(const QString& experiment_path, const QString& plan_dir, bool quick,
                           const SlurmSettings& settings);
// The queue job that follows the plan and imports it into `db`: it waits on the cluster, so it
// takes no local slot (RunJob::remote).
RunJob watch_job(const QString& plan_dir, const QString& title, const QString& db);

// Runs `plan` and then the plan's submit.sh; reports once, with the script's own words.
class SlurmSubmitter : public QObject {
  Q_OBJECT

 public:
  explicit SlurmSubmitter(QObject* parent = nullptr);
  // `engine`: the switchyard-engine to run (EngineProcess::engineProgram() in the app).
  void start(const QString& engine, const QStringList& plan_arguments, const QString& plan_dir);

 Q_SIGNALS:
  void submitted(const QString& plan_dir, const QString& message);
  // message: the failing step's `error:` line (or its last output), naming what to fix.
  void failed(const QString& message);

 private:
  void step(const QString& program, const QStringList& arguments,
            const std::function<void(const QString& output)>& next);

  QString plan_dir_;
};

}  // namespace sy::ui
