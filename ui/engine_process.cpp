// EngineProcess: QProcess plumbing for one engine command, JSON-lines parsing of its events and
// the mapping of how the process ended to an exit code and a message a person can act on.
#include "ui/engine_process.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTimer>

#include <utility>

#include "ui/run_trace.h"

#ifdef Q_OS_UNIX
#include <string.h>  // strsignal
#endif

namespace sy::ui {

namespace {

#ifdef Q_OS_WIN
const QString kEngineName = QStringLiteral("switchyard-engine.exe");
#else
const QString kEngineName = QStringLiteral("switchyard-engine");
#endif

bool isExecutableFile(const QString& path) {
  const QFileInfo info(path);
  return info.isFile() && info.isExecutable();
}

}  // namespace

EngineProcess::EngineProcess(QStringList arguments, QObject* parent)
    : QObject(parent),
      process_(new QProcess(this)),
      kill_timer_(new QTimer(this)),
      program_(engineProgram()),
      arguments_(std::move(arguments)) {
  kill_timer_->setSingleShot(true);
  connect(kill_timer_, &QTimer::timeout, this, [this] {
    if (process_->state() != QProcess::NotRunning) process_->kill();
  });
  connect(process_, &QProcess::readyReadStandardOutput, this, &EngineProcess::readStdout);
  connect(process_, &QProcess::readyReadStandardError, this, &EngineProcess::readStderr);
  connect(process_, &QProcess::finished, this, &EngineProcess::onProcessFinished);
  connect(process_, &QProcess::errorOccurred, this, &EngineProcess::onErrorOccurred);
}

EngineProcess::~EngineProcess() {
  // Disconnect first: QProcess's own destructor would wait for the child and call back into this
  // half-destroyed object.
  disconnect(process_, nullptr, this, nullptr);
  if (process_->state() != QProcess::NotRunning) {
    process_->kill();
    process_->waitForFinished(1000);
  }
}

QString EngineProcess::engineProgram() {
  const QString from_env = qEnvironmentVariable("SWITCHYARD_ENGINE");
  if (!from_env.isEmpty()) return from_env;
  // applicationDirPath() needs an application object (it warns without one).
  if (QCoreApplication::instance() != nullptr) {
    const QDir dir(QCoreApplication::applicationDirPath());
    const QString candidates[] = {dir.filePath(kEngineName),
                                  dir.filePath(QStringLiteral("../app/") + kEngineName)};
    for (const QString& candidate : candidates) {
      if (isExecutableFile(candidate)) return QDir::cleanPath(candidate);
    }
  }
  return kEngineName;  // QProcess looks it up on PATH
}

void EngineProcess::start() {
  if (started_) return;
  started_ = true;
  if (cancel_requested_) {
    // Cancelled before it began: nothing to stop, but finished() still comes, and not from here.
    QMetaObject::invokeMethod(
        this, [this] { finish(kCancelled, QStringLiteral("cancelled")); }, Qt::QueuedConnection);
    return;
  }
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  // Spinning OpenMP threads would steal the cores from the GUI and from other engines.
  if (!env.contains(QStringLiteral("OMP_WAIT_POLICY")))
    env.insert(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("PASSIVE"));
  process_->setProcessEnvironment(env);
  if (input_ == Input::None) {
    process_->setStandardInputFile(QProcess::nullDevice());  // `run` and `resume` read no input
    process_->start(program_, arguments_, QIODevice::ReadOnly);
    return;
  }
  process_->start(program_, arguments_, QIODevice::ReadWrite);
  // QProcess holds what is written before the process runs and sends it once it does.
  if (input_ == Input::Data) {
    process_->write(input_data_);
    process_->closeWriteChannel();
  }
}

void EngineProcess::setInput(const QByteArray& data) {
  input_ = Input::Data;
  input_data_ = data;
}

void EngineProcess::setInteractive() {
  input_ = Input::Interactive;
}

void EngineProcess::write(const QByteArray& data) {
  if (input_ == Input::Interactive && started_ && process_->state() != QProcess::NotRunning)
    process_->write(data);
}

void EngineProcess::closeInput(int kill_after_ms) {
  if (!started_ || finished_) return;
  if (process_->state() == QProcess::Running) process_->closeWriteChannel();
  if (process_->state() != QProcess::NotRunning) kill_timer_->start(kill_after_ms);
}

void EngineProcess::cancel() {
  if (finished_ || cancel_requested_) return;
  cancel_requested_ = true;
  if (!started_) return;                                  // start() will report it cancelled
  if (process_->state() == QProcess::NotRunning) return;  // failed to start; finished() is queued
  process_->terminate();
  kill_timer_->start(kill_timeout_ms_);
}

void EngineProcess::readStdout() {
  const QByteArray data = process_->readAllStandardOutput();
  if (collect_output_) output_ += data;
  stdout_pending_ += data;
  qsizetype begin = 0;
  for (qsizetype end; (end = stdout_pending_.indexOf('\n', begin)) >= 0; begin = end + 1)
    parseLine(stdout_pending_.mid(begin, end - begin));
  stdout_pending_.remove(0, begin);
}

void EngineProcess::parseLine(const QByteArray& line) {
  // A killed engine can leave half a line; anything that is not a whole object is skipped.
  if (const std::optional<QJsonObject> event = event_from_line(line)) Q_EMIT eventReceived(*event);
}

void EngineProcess::readStderr() {
  stderr_pending_ += process_->readAllStandardError();
  qsizetype begin = 0;
  for (qsizetype end; (end = stderr_pending_.indexOf('\n', begin)) >= 0; begin = end + 1)
    addStderrLine(stderr_pending_.mid(begin, end - begin));
  stderr_pending_.remove(0, begin);
}

void EngineProcess::addStderrLine(const QByteArray& line) {
  // A progress line redrawn with '\r' counts by its last state.
  QByteArray last = line;
  while (last.endsWith('\r')) last.chop(1);
  const QString text = QString::fromUtf8(last.mid(last.lastIndexOf('\r') + 1)).trimmed();
  if (text.isEmpty()) return;
  stderr_tail_.append(text);
  while (stderr_tail_.size() > kStderrLines) stderr_tail_.removeFirst();
  Q_EMIT stderrLine(text);
}

void EngineProcess::onProcessFinished(int exitCode, QProcess::ExitStatus status) {
  kill_timer_->stop();
  readStdout();
  readStderr();
  // What is left is a line without its newline: whole if the engine ended without one, cut short
  // if it was killed mid-write (then it does not parse and is skipped).
  parseLine(std::exchange(stdout_pending_, {}));
  addStderrLine(std::exchange(stderr_pending_, {}));

  if (status == QProcess::CrashExit) {
    // A signal after cancel() (our SIGKILL, or SIGTERM before the engine set up its handler) is
    // still the stop the user asked for.
    if (cancel_requested_) return finish(kCancelled, QStringLiteral("cancelled"));
#ifdef Q_OS_UNIX
    // On Unix QProcess reports the signal's number as the exit code of a crash.
    return finish(kNoExitStatus, tr("the engine crashed: killed by signal %1 (%2)")
                                     .arg(exitCode)
                                     .arg(QString::fromLocal8Bit(strsignal(exitCode))));
#else
    return finish(
        kNoExitStatus,
        tr("the engine crashed (exit code 0x%1)").arg(static_cast<uint>(exitCode), 0, 16));
#endif
  }
  if (exitCode == 0) return finish(0, QString());
  if (exitCode == kCancelled) return finish(kCancelled, QStringLiteral("cancelled"));
  finish(exitCode, failureMessage(exitCode));
}

QString EngineProcess::failureMessage(int exitCode) const {
  // The engine's error line names the file and field at fault (docs/engine-cli.md); other lines
  // are progress, so the last line at all is only a fallback.
  for (auto it = stderr_tail_.crbegin(); it != stderr_tail_.crend(); ++it) {
    if (it->startsWith(QLatin1String("error: "))) return *it;
  }
  if (!stderr_tail_.isEmpty()) return stderr_tail_.last();
  return tr("the engine exited with status %1").arg(exitCode);
}

void EngineProcess::onErrorOccurred(QProcess::ProcessError error) {
  // Crashes arrive through finished() as well; only a failed start has no finished() of its own.
  if (error != QProcess::FailedToStart) return;
  const QString message =
      tr("cannot start the engine %1: %2").arg(program_, process_->errorString());
  // Queued: QProcess may report this from inside start(), before the caller is ready for it.
  QMetaObject::invokeMethod(
      this, [this, message] { finish(kNoExitStatus, message); }, Qt::QueuedConnection);
}

void EngineProcess::finish(int exitCode, const QString& message) {
  if (finished_) return;
  finished_ = true;
  kill_timer_->stop();
  Q_EMIT finished(exitCode, message);
}

}  // namespace sy::ui
