// RunQueue: the bookkeeping of queued and running engine commands; RunQueueModel: the queue as a
// table, kept current from the queue's signals and the engines' progress events.
#include "ui/run_queue.h"

#include <QJsonValue>

#include <algorithm>
#include <array>
#include <utility>

#include "storage/run_format.h"
#include "ui/engine_process.h"

namespace sy::ui {

// ---------------------------------------------------------------------------------------------
// RunQueue

RunQueue::RunQueue(QObject* parent) : QObject(parent) {}

RunQueue::~RunQueue() {
  // Deleted here, while the queue is still whole, rather than as children by ~QObject.
  for (Entry& entry : entries_) delete std::exchange(entry.process, nullptr);
}

int RunQueue::enqueue(RunJob job) {
  const int id = next_id_++;
  entries_.append(Entry{id, std::move(job), nullptr});
  Q_EMIT jobQueued(id);
  scheduleStart();
  return id;
}

bool RunQueue::cancel(int id) {
  const qsizetype i = indexOf(id);
  if (i < 0) return false;
  if (EngineProcess* process = entries_[i].process) {
    process->cancel();  // jobFinished comes with the engine's exit
    return true;
  }
  entries_.removeAt(i);
  Q_EMIT jobFinished(id, EngineProcess::kCancelled, QStringLiteral("cancelled"));
  if (entries_.isEmpty()) Q_EMIT idle();
  return true;
}

void RunQueue::cancelAll() {
  // The waiting jobs go first, so that none of them starts in a slot freed by a running one.
  QList<int> queued, running;
  for (const Entry& entry : entries_) (entry.process ? running : queued).append(entry.id);
  for (int id : queued) cancel(id);
  for (int id : running) cancel(id);
}

void RunQueue::setMaxParallel(int n) {
  max_parallel_ = std::max(1, n);
  scheduleStart();
}

int RunQueue::runningCount() const {
  return static_cast<int>(std::count_if(entries_.begin(), entries_.end(),
                                        [](const Entry& e) { return e.process != nullptr; }));
}

int RunQueue::queuedCount() const {
  return static_cast<int>(entries_.size()) - runningCount();
}

bool RunQueue::isQueued(int id) const {
  const qsizetype i = indexOf(id);
  return i >= 0 && entries_[i].process == nullptr;
}

bool RunQueue::isRunning(int id) const {
  const qsizetype i = indexOf(id);
  return i >= 0 && entries_[i].process != nullptr;
}

QList<int> RunQueue::jobIds() const {
  QList<int> ids;
  for (const Entry& entry : entries_) ids.append(entry.id);
  return ids;
}

std::optional<RunJob> RunQueue::job(int id) const {
  const qsizetype i = indexOf(id);
  if (i < 0) return std::nullopt;
  return entries_[i].job;
}

qsizetype RunQueue::indexOf(int id) const {
  for (qsizetype i = 0; i < entries_.size(); ++i) {
    if (entries_[i].id == id) return i;
  }
  return -1;
}

void RunQueue::scheduleStart() {
  // From the event loop: the caller of enqueue() gets its id (and can connect, or cancel) before
  // anything runs, and several enqueues in a row are started in one pass.
  if (start_scheduled_) return;
  start_scheduled_ = true;
  QMetaObject::invokeMethod(
      this,
      [this] {
        start_scheduled_ = false;
        startWaiting();
      },
      Qt::QueuedConnection);
}

void RunQueue::startWaiting() {
  for (;;) {
    // Searched afresh each time: a slot connected to jobStarted may have changed the queue.
    const auto local = std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) {
      return e.process != nullptr && !e.job.remote;
    });
    const auto waiting = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
      return e.process == nullptr && (e.job.remote || local < max_parallel_);
    });
    if (waiting == entries_.end()) return;
    const int id = waiting->id;
    auto* process = new EngineProcess(waiting->job.arguments, this);
    waiting->process = process;
    if (!program_.isEmpty()) process->setProgram(program_);
    connect(process, &EngineProcess::eventReceived, this,
            [this, id](const QJsonObject& event) { Q_EMIT jobEvent(id, event); });
    connect(process, &EngineProcess::finished, this,
            [this, id](int exitCode, const QString& message) {
              onProcessFinished(id, exitCode, message);
            });
    process->start();  // reports a failure to start later, through finished
    Q_EMIT jobStarted(id);
  }
}

void RunQueue::onProcessFinished(int id, int exitCode, const QString& message) {
  const qsizetype i = indexOf(id);
  if (i < 0) return;
  // deleteLater: this runs inside the process's own finished signal.
  entries_[i].process->deleteLater();
  entries_.removeAt(i);
  Q_EMIT jobFinished(id, exitCode, message);
  startWaiting();
  if (entries_.isEmpty()) Q_EMIT idle();
}

// ---------------------------------------------------------------------------------------------
// RunQueueModel

namespace {

// Time left as the CLI's progress line writes it (storage/run_format.h).
QString formatDuration(double seconds) {
  return QString::fromStdString(store::format_eta(seconds));
}

std::optional<double> optionalNumber(const QJsonValue& value) {
  if (!value.isDouble()) return std::nullopt;  // eta_s is null before the first step
  return value.toDouble();
}

QVariant toVariant(const std::optional<double>& value) {
  return value ? QVariant(*value) : QVariant();
}

}  // namespace

template <typename Change>
void RunQueueModel::update(int id, Change&& change) {
  const int r = rowOf(id);
  if (r < 0) return;
  using Values = std::pair<QVariant, QVariant>;  // display, raw
  std::array<Values, ColumnCount> before;
  for (int c = 0; c < ColumnCount; ++c)
    before[c] = {cell(rows_[r], c, Qt::DisplayRole), cell(rows_[r], c, RawRole)};
  std::forward<Change>(change)(rows_[r]);
  // One dataChanged per run of adjacent changed cells: views repaint only what changed.
  int first = -1;
  for (int c = 0; c <= ColumnCount; ++c) {
    const bool changed = c < ColumnCount && before[c] != Values{cell(rows_[r], c, Qt::DisplayRole),
                                                                cell(rows_[r], c, RawRole)};
    if (changed && first < 0) first = c;
    if (!changed && first >= 0) {
      Q_EMIT dataChanged(index(r, first), index(r, c - 1), {Qt::DisplayRole, RawRole});
      first = -1;
    }
  }
}

RunQueueModel::RunQueueModel(RunQueue* queue, QObject* parent)
    : QAbstractTableModel(parent), queue_(queue) {
  // Jobs enqueued before the model existed are shown too (without their past events).
  for (int id : queue_->jobIds())
    addRow(id, queue_->isRunning(id) ? JobState::Running : JobState::Queued);
  connect(queue_, &RunQueue::jobQueued, this, [this](int id) { addRow(id, JobState::Queued); });
  connect(queue_, &RunQueue::jobStarted, this,
          [this](int id) { update(id, [](Row& row) { row.state = JobState::Running; }); });
  connect(queue_, &RunQueue::jobEvent, this, &RunQueueModel::onEvent);
  connect(queue_, &RunQueue::jobFinished, this, &RunQueueModel::onFinished);
}

int RunQueueModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RunQueueModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunQueueModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const int column = index.column();
  if (role == Qt::TextAlignmentRole) {
    const bool numeric =
        column == Progress || column == Stage || column == TokensPerSecond || column == Eta;
    return QVariant::fromValue(Qt::AlignVCenter | (numeric ? Qt::AlignRight : Qt::AlignLeft));
  }
  // Error lines are long; the tooltip shows all of one.
  if (role == Qt::ToolTipRole && column == Message) return rows_[index.row()].message;
  if (role == Qt::ToolTipRole && column == Stage) return cell(rows_[index.row()], column, role);
  if (role == Qt::DisplayRole || role == RawRole) return cell(rows_[index.row()], column, role);
  return {};
}

QVariant RunQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Title:
      return tr("Job");
    case State:
      return tr("State");
    case Progress:
      return tr("Progress");
    case Stage:
      return tr("Stages");
    case TokensPerSecond:
      return tr("Tokens/s");
    case Eta:
      return tr("ETA");
    case Message:
      return tr("Message");
    default:
      return {};
  }
}

int RunQueueModel::jobId(int row) const {
  return row >= 0 && row < rows_.size() ? rows_[row].id : 0;
}

int RunQueueModel::rowOf(int id) const {
  for (qsizetype i = 0; i < rows_.size(); ++i) {
    if (rows_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

RunQueueModel::JobState RunQueueModel::state(int row) const {
  return row >= 0 && row < rows_.size() ? rows_[row].state : JobState::Queued;
}

QString RunQueueModel::stateName(JobState state) {
  switch (state) {
    case JobState::Queued:
      return QStringLiteral("queued");
    case JobState::Running:
      return QStringLiteral("running");
    case JobState::Finished:
      return QStringLiteral("finished");
    case JobState::Failed:
      return QStringLiteral("failed");
    case JobState::Cancelled:
      return QStringLiteral("cancelled");
  }
  return {};
}

void RunQueueModel::removeEnded() {
  for (int i = static_cast<int>(rows_.size()) - 1; i >= 0; --i) {
    if (rows_[i].state == JobState::Queued || rows_[i].state == JobState::Running) continue;
    beginRemoveRows({}, i, i);
    rows_.removeAt(i);
    endRemoveRows();
  }
}

void RunQueueModel::addRow(int id, JobState state) {
  if (rowOf(id) >= 0) return;
  const std::optional<RunJob> job = queue_->job(id);
  const int row = static_cast<int>(rows_.size());
  beginInsertRows({}, row, row);
  Row entry;
  entry.id = id;
  entry.title = job ? job->title : QString();
  entry.state = state;
  rows_.append(entry);
  endInsertRows();
}

void RunQueueModel::onEvent(int id, const QJsonObject& event) {
  const QString type = event.value(QLatin1String("type")).toString();
  if (type == QLatin1String("run_started")) {
    update(id, [&](Row& row) {
      row.stages = event.value(QLatin1String("stages")).toInt();
      // A resumed run continues at first_stage: the stages before it are done.
      row.finished = std::max(0, event.value(QLatin1String("first_stage")).toInt(1) - 1);
      row.training = 0;
    });
  } else if (type == QLatin1String("stage_started")) {
    update(id, [&](Row& row) { row.training = event.value(QLatin1String("stage")).toInt(); });
  } else if (type == QLatin1String("stage_finished")) {
    update(id, [&](Row& row) {
      row.finished = event.value(QLatin1String("stage")).toInt();
      row.training = 0;
    });
  } else if (type == QLatin1String("progress")) {
    update(id, [&](Row& row) {
      row.fraction = optionalNumber(event.value(QLatin1String("fraction")));
      row.eta_s = optionalNumber(event.value(QLatin1String("eta_s")));
      row.tokens_per_s = optionalNumber(event.value(QLatin1String("tokens_per_s")));
    });
  } else if (type == QLatin1String("run_failed") || type == QLatin1String("run_cancelled")) {
    update(id, [&](Row& row) { row.message = event.value(QLatin1String("reason")).toString(); });
  }
}

void RunQueueModel::onFinished(int id, int exitCode, const QString& message) {
  update(id, [&](Row& row) {
    row.state = exitCode == 0                           ? JobState::Finished
                : exitCode == EngineProcess::kCancelled ? JobState::Cancelled
                                                        : JobState::Failed;
    row.eta_s.reset();
    if (exitCode == 0) row.fraction = 1.0;
    if (!message.isEmpty()) row.message = message;
  });
}

QVariant RunQueueModel::cell(const Row& row, int column, int role) const {
  const bool raw = role == RawRole;
  switch (column) {
    case Title:
      return row.title;
    case State:
      return raw ? QVariant(static_cast<int>(row.state)) : stateName(row.state);
    case Progress:
      if (!row.fraction) return {};
      if (raw) return *row.fraction;
      // Rounded down: 100 % only once the last step is done.
      return QStringLiteral("%1 %").arg(static_cast<int>(*row.fraction * 100 + 1e-9));
    case Stage:
      if (row.stages == 0) return {};
      if (raw) return row.finished;
      if (role == Qt::ToolTipRole)
        return row.training > 0 ? tr("%1 of %2 stages finished; stage %3 is training")
                                      .arg(row.finished)
                                      .arg(row.stages)
                                      .arg(row.training)
                                : tr("%1 of %2 stages finished").arg(row.finished).arg(row.stages);
      // Finished of planned, as the run list shows it.
      return QStringLiteral("%1/%2").arg(row.finished).arg(row.stages);
    case TokensPerSecond:
      if (raw) return toVariant(row.tokens_per_s);
      return row.tokens_per_s ? QVariant(QString::number(qRound64(*row.tokens_per_s))) : QVariant();
    case Eta:
      if (raw) return toVariant(row.eta_s);
      if (row.eta_s) return formatDuration(*row.eta_s);
      // Running, before the first steps are timed: say so rather than leave a blank cell.
      return row.state == JobState::Running ? QVariant(tr("estimating…")) : QVariant();
    case Message:
      return row.message;
    default:
      return {};
  }
}

}  // namespace sy::ui
