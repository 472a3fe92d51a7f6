// The GUI's run scheduler: engine commands wait in a queue and run as EngineProcesses, at most
// maxParallel at once (runs on one machine share its cores and memory), the next starting when
// one ends. RunQueueModel shows the queue, live progress included, in a table view.
#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace sy::ui {

class EngineProcess;

struct RunJob {
  QString title;          // what the queue view shows, e.g. the experiment's name
  QStringList arguments;  // the engine command, e.g. {"resume", "7", "--events", "--db", DB}
  // It follows work done elsewhere (a Slurm plan's watch): it starts at once and takes none of
  // the maxParallel slots, which are for runs on this machine's cores.
  bool remote = false;
};

class RunQueue : public QObject {
  Q_OBJECT

 public:
  explicit RunQueue(QObject* parent = nullptr);
  // Running engines are killed (see ~EngineProcess); cancelAll() and idle() first stop them
  // cleanly.
  ~RunQueue() override;

  // Adds a job and returns its id (1, 2, ...; never reused). It starts from the event loop, never
  // inside enqueue(), so jobQueued(id) always comes first and the caller can keep the id.
  int enqueue(RunJob job);
  // A queued job is dropped at once (jobFinished(id, 130, "cancelled")); a running one is asked
  // to stop and reports jobFinished when it has. False for an unknown or ended job.
  bool cancel(int id);
  void cancelAll();

  int maxParallel() const { return max_parallel_; }
  void setMaxParallel(int n);  // at least 1; raising it starts waiting jobs
  // The engine binary for jobs started from now on; empty: EngineProcess::engineProgram().
  void setProgram(const QString& program) { program_ = program; }
  QString program() const { return program_; }

  int runningCount() const;  // remote jobs included
  int queuedCount() const;
  bool isQueued(int id) const;
  bool isRunning(int id) const;
  QList<int> jobIds() const;  // queued and running jobs, in the order they were enqueued
  std::optional<RunJob> job(int id) const;  // a queued or running job

 Q_SIGNALS:
  void jobQueued(int id);
  void jobStarted(int id);
  void jobEvent(int id, const QJsonObject& event);  // docs/events.md
  // exitCode and message as EngineProcess::finished.
  void jobFinished(int id, int exitCode, const QString& message);
  void idle();  // the last job ended and nothing waits

 private:
  struct Entry {
    int id = 0;
    RunJob job;
    EngineProcess* process = nullptr;  // null while queued
  };

  qsizetype indexOf(int id) const;
  void scheduleStart();
  void startWaiting();
  void onProcessFinished(int id, int exitCode, const QString& message);

  QList<Entry> entries_;  // queued and running, in enqueue order
  int next_id_ = 1;
  int max_parallel_ = 1;
  QString program_;
  bool start_scheduled_ = false;
};

// One row per job the queue has seen, in enqueue order; ended jobs stay until removeEnded().
class RunQueueModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Title, State, Progress, Stage, TokensPerSecond, Eta, Message, ColumnCount };
  enum class JobState { Queued, Running, Finished, Failed, Cancelled };
  // Unformatted values for delegates and sorting: the JobState as int, the progress fraction, the
  // stages finished, tokens/s and ETA seconds as doubles; invalid where not known yet.
  static constexpr int RawRole = Qt::UserRole;

  explicit RunQueueModel(RunQueue* queue, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  int jobId(int row) const;  // 0 for a row out of range
  int rowOf(int id) const;   // -1 for an unknown job
  JobState state(int row) const;
  static QString stateName(JobState state);  // queued, running, finished, failed, cancelled
  void removeEnded();                        // drops finished, failed and cancelled rows

 private:
  struct Row {
    int id = 0;
    QString title;
    JobState state = JobState::Queued;
    std::optional<double> fraction, tokens_per_s, eta_s;
    // Stages finished of planned, as the run list counts them ("1/5" while stage 2 trains), and
    // the stage in progress (0: none), which the cell's tooltip names.
    int finished = 0;
    int stages = 0;  // of the current run; 0 before run_started
    int training = 0;
    QString message;
  };

  void addRow(int id, JobState state);
  void onEvent(int id, const QJsonObject& event);
  void onFinished(int id, int exitCode, const QString& message);
  // Applies change to the job's row and emits dataChanged for the cells whose values changed.
  template <typename Change>
  void update(int id, Change&& change);
  QVariant cell(const Row& row, int column, int role) const;

  RunQueue* queue_;
  QList<Row> rows_;
};

}  // namespace sy::ui
