// ServeClient: the QProcess plumbing of `switchyard-engine serve`, request ids and the matching
// of response lines to the requests they answer.
#include "ui/serve_client.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QProcessEnvironment>
#include <QTimer>

#include <utility>

#include "ui/engine_process.h"

#ifdef Q_OS_UNIX
#include <string.h>  // strsignal
#endif

namespace sy::ui {

namespace {

const QLatin1String kErrorPrefix("error: ");

QByteArray compactLine(const QJsonObject& object) {
  return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

}  // namespace

ServeClient::ServeClient(QObject* parent)
    : QObject(parent), program_(EngineProcess::engineProgram()) {}

ServeClient::~ServeClient() {
  if (process_ == nullptr) return;
  // Disconnect first: QProcess's destructor would otherwise call back into this half-destroyed
  // object. A short wait lets the engine leave on its own; QProcess's destructor kills it if not.
  disconnect(process_, nullptr, this, nullptr);
  if (process_->state() == QProcess::Running) {
    process_->write(compactLine({{QStringLiteral("op"), QStringLiteral("quit")}}));
    process_->closeWriteChannel();
    process_->waitForFinished(500);
  }
}

void ServeClient::start(const QString& dbPath) {
  stop();
  db_path_ = dbPath;
  stderr_tail_.clear();
  reported_error_.clear();
  process_ = new QProcess(this);
  connect(process_, &QProcess::readyReadStandardOutput, this, &ServeClient::readStdout);
  connect(process_, &QProcess::readyReadStandardError, this, &ServeClient::readStderr);
  connect(process_, &QProcess::finished, this, &ServeClient::onFinished);
  connect(process_, &QProcess::errorOccurred, this, &ServeClient::onErrorOccurred);
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  // Spinning OpenMP threads would steal the cores from the GUI and from training engines.
  if (!env.contains(QStringLiteral("OMP_WAIT_POLICY")))
    env.insert(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("PASSIVE"));
  process_->setProcessEnvironment(env);
  process_->start(program_, {QStringLiteral("serve"), QStringLiteral("--db"), dbPath});
}

void ServeClient::stop() {
  if (process_ == nullptr) return;
  QProcess* old = std::exchange(process_, nullptr);
  reset();
  // The old engine is no longer ours to report on: whatever it still prints or however it ends.
  disconnect(old, nullptr, this, nullptr);
  if (old->state() == QProcess::NotRunning) {
    old->deleteLater();
    return;
  }
  if (old->state() == QProcess::Running) {
    old->write(compactLine({{QStringLiteral("op"), QStringLiteral("quit")}}));
    old->closeWriteChannel();
  }
  // It goes when it has read the quit; one stuck in a long generation is killed instead. Both
  // without waiting here, so that switching databases never freezes the window.
  connect(old, &QProcess::finished, old, &QObject::deleteLater);
  QTimer::singleShot(kQuitTimeoutMs, old, [old] { old->kill(); });
}

void ServeClient::reset() {
  ready_ = false;
  pending_.clear();
  held_.clear();
  stdout_pending_.clear();
  stderr_pending_.clear();
}

int ServeClient::load(int64_t runId) {
  return send(Op::Load, {{QStringLiteral("op"), QStringLiteral("load")},
                         {QStringLiteral("run"), qint64(runId)}});
}

int ServeClient::ask(const QString& instruction, const QString& input, std::optional<int> adapter,
                     int maxNewTokens) {
  return send(Op::Ask, {{QStringLiteral("op"), QStringLiteral("ask")},
                        {QStringLiteral("instruction"), instruction},
                        {QStringLiteral("input"), input},
                        {QStringLiteral("adapter"), adapter ? QJsonValue(*adapter) : QJsonValue()},
                        {QStringLiteral("max_new_tokens"), maxNewTokens}});
}

int ServeClient::send(Op op, QJsonObject request) {
  if (process_ == nullptr) {
    // Queued, like every other failure, so that a caller connecting after the call still hears.
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT failed(tr("the engine is not running")); }, Qt::QueuedConnection);
    return 0;
  }
  const int id = next_id_++;
  request.insert(QStringLiteral("id"), id);
  pending_.insert(id, op);
  const QByteArray line = compactLine(request);
  // Before the ready line the engine may still be starting (or about to fail); holding the
  // requests keeps them out of a process that never reads them.
  if (ready_)
    write(line);
  else
    held_.append(line);
  return id;
}

void ServeClient::write(const QByteArray& line) {
  if (process_ != nullptr && process_->state() == QProcess::Running) process_->write(line);
}

void ServeClient::readStdout() {
  if (process_ == nullptr) return;
  stdout_pending_ += process_->readAllStandardOutput();
  qsizetype begin = 0;
  for (qsizetype end; (end = stdout_pending_.indexOf('\n', begin)) >= 0; begin = end + 1) {
    handleLine(stdout_pending_.mid(begin, end - begin));
    // A signal handler may have stopped this client (e.g. switched databases).
    if (process_ == nullptr) return;
  }
  stdout_pending_.remove(0, begin);
}

void ServeClient::handleLine(const QByteArray& line) {
  if (line.trimmed().isEmpty()) return;
  QJsonParseError error{};
  const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
  // Anything that is not a whole object (a stray log line) is not a response.
  if (error.error != QJsonParseError::NoError || !doc.isObject()) return;
  const QJsonObject response = doc.object();

  if (!ready_ && response.value(QLatin1String("ready")).toBool()) {
    ready_ = true;
    for (const QByteArray& held : std::exchange(held_, {})) write(held);
    Q_EMIT ready();
    return;
  }

  const bool ok = response.value(QLatin1String("ok")).toBool();
  const QString message = response.value(QLatin1String("error")).toString();
  const QJsonValue id_value = response.value(QLatin1String("id"));
  const int id = id_value.isDouble() ? id_value.toInt() : 0;
  const auto it = pending_.constFind(id);
  if (it == pending_.constEnd()) {
    // A refusal of a line it could not read has no id to match; it still concerns the user.
    if (!ok) fail(message.isEmpty() ? tr("the engine refused a request") : message);
    return;
  }
  const Op op = it.value();
  pending_.erase(it);
  if (!ok)
    fail(message.isEmpty() ? tr("the engine refused request %1").arg(id) : message);
  else if (op == Op::Load)
    Q_EMIT loaded(response);
  else
    Q_EMIT answered(response);
}

void ServeClient::readStderr() {
  if (process_ == nullptr) return;
  stderr_pending_ += process_->readAllStandardError();
  qsizetype begin = 0;
  for (qsizetype end; (end = stderr_pending_.indexOf('\n', begin)) >= 0; begin = end + 1) {
    addStderrLine(stderr_pending_.mid(begin, end - begin));
    if (process_ == nullptr) return;
  }
  stderr_pending_.remove(0, begin);
}

void ServeClient::addStderrLine(const QByteArray& line) {
  QByteArray last = line;
  while (last.endsWith('\r')) last.chop(1);
  // A progress line redrawn with '\r' counts by its last state.
  const QString text = QString::fromUtf8(last.mid(last.lastIndexOf('\r') + 1)).trimmed();
  if (text.isEmpty()) return;
  stderr_tail_.append(text);
  while (stderr_tail_.size() > kStderrLines) stderr_tail_.removeFirst();
  // An error line is news even while the engine lives on (it may answer the next question).
  if (text.startsWith(kErrorPrefix)) {
    reported_error_ = text;
    fail(text);
  }
}

QString ServeClient::lastErrorLine() const {
  for (auto it = stderr_tail_.crbegin(); it != stderr_tail_.crend(); ++it) {
    if (it->startsWith(kErrorPrefix)) return *it;
  }
  return {};
}

void ServeClient::onFinished(int exitCode, QProcess::ExitStatus status) {
  if (process_ == nullptr) return;
  const bool had_pending = !pending_.isEmpty();
  // What is left is a line without its newline: an engine may end without one.
  readStdout();
  readStderr();
  if (process_ == nullptr) return;
  handleLine(std::exchange(stdout_pending_, {}));
  addStderrLine(std::exchange(stderr_pending_, {}));
  if (process_ == nullptr) return;

  QString message;
  if (status == QProcess::CrashExit) {
#ifdef Q_OS_UNIX
    message = tr("the engine crashed: killed by signal %1 (%2)")
                  .arg(exitCode)
                  .arg(QString::fromLocal8Bit(strsignal(exitCode)));
#else
    message = tr("the engine crashed (exit code 0x%1)").arg(static_cast<uint>(exitCode), 0, 16);
#endif
  } else {
    message = lastErrorLine();
    if (message.isEmpty() && !stderr_tail_.isEmpty()) message = stderr_tail_.last();
    if (message.isEmpty()) message = tr("the engine exited with status %1").arg(exitCode);
  }
  const bool already_reported = message == reported_error_;
  QProcess* old = std::exchange(process_, nullptr);
  reset();
  old->deleteLater();
  // An idle engine that quit after an error already shown has nothing new to say; one that left
  // requests unanswered or ended for another reason does.
  if (!already_reported || had_pending) fail(message);
}

void ServeClient::onErrorOccurred(QProcess::ProcessError error) {
  // Crashes arrive through finished() as well; only a failed start has no finished() of its own.
  if (error != QProcess::FailedToStart || process_ == nullptr) return;
  const QString message =
      tr("cannot start the engine %1: %2").arg(program_, process_->errorString());
  QProcess* old = std::exchange(process_, nullptr);
  reset();
  disconnect(old, nullptr, this, nullptr);
  old->deleteLater();
  // Queued: QProcess may report this from inside start(), before the caller is ready for it.
  QMetaObject::invokeMethod(
      this, [this, message] { fail(message); }, Qt::QueuedConnection);
}

void ServeClient::fail(const QString& message) {
  Q_EMIT failed(message);
}

}  // namespace sy::ui
