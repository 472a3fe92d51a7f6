// ServeClient: request ids, the requests held until the engine is ready, and the matching of
// response lines to the requests they answer. The process itself is an EngineProcess.
#include "ui/serve_client.h"

#include <QJsonDocument>
#include <QJsonValue>

#include <utility>

#include "ui/engine_process.h"

namespace sy::ui {

namespace {

const QLatin1String kErrorPrefix("error: ");

QByteArray compactLine(const QJsonObject& object) {
  return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

const QByteArray kQuit = compactLine({{QStringLiteral("op"), QStringLiteral("quit")}});

}  // namespace

ServeClient::ServeClient(QObject* parent)
    : QObject(parent), program_(EngineProcess::engineProgram()) {}

ServeClient::~ServeClient() {
  if (process_ == nullptr) return;
  // The engine is a child of this object: EngineProcess's destructor kills what has not left.
  disconnect(process_, nullptr, this, nullptr);
  process_->write(kQuit);
}

QStringList ServeClient::stderrTail() const {
  return process_ != nullptr ? process_->stderrTail() : stderr_tail_;
}

void ServeClient::start(const QString& dbPath) {
  stop();
  db_path_ = dbPath;
  stderr_tail_.clear();
  reported_error_.clear();
  process_ = new EngineProcess({QStringLiteral("serve"), QStringLiteral("--db"), dbPath}, this);
  process_->setProgram(program_);
  process_->setInteractive();
  connect(process_, &EngineProcess::eventReceived, this, &ServeClient::handleResponse);
  connect(process_, &EngineProcess::stderrLine, this, &ServeClient::onStderrLine);
  connect(process_, &EngineProcess::finished, this, &ServeClient::onFinished);
  process_->start();
}

void ServeClient::stop() {
  if (process_ == nullptr) return;
  EngineProcess* old = std::exchange(process_, nullptr);
  reset();
  // The old engine is no longer ours to report on: whatever it still prints or however it ends.
  disconnect(old, nullptr, this, nullptr);
  // It goes when it has read the quit; one stuck in a long generation is killed instead. Both
  // without waiting here, so that switching databases never freezes the window.
  old->write(kQuit);
  old->closeInput(kQuitTimeoutMs);
  if (old->isFinished()) {
    old->deleteLater();
  } else {
    connect(old, &EngineProcess::finished, old, &QObject::deleteLater);
  }
}

void ServeClient::reset() {
  ready_ = false;
  pending_.clear();
  held_.clear();
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
    process_->write(line);
  else
    held_.append(line);
  return id;
}

void ServeClient::handleResponse(const QJsonObject& response) {
  if (!ready_ && response.value(QLatin1String("ready")).toBool()) {
    ready_ = true;
    for (const QByteArray& held : std::exchange(held_, {})) process_->write(held);
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

void ServeClient::onStderrLine(const QString& line) {
  // An error line is news even while the engine lives on (it may answer the next question).
  if (line.startsWith(kErrorPrefix)) {
    reported_error_ = line;
    fail(line);
  }
}

void ServeClient::onFinished(int exitCode, const QString& finished_message) {
  if (process_ == nullptr) return;
  const bool had_pending = !pending_.isEmpty();
  stderr_tail_ = process_->stderrTail();
  // A served engine has no reason to end on its own, so even a clean exit is news: its last
  // error line, else its last words, else its status.
  QString message = finished_message;
  if (message.isEmpty() || message == QLatin1String("cancelled")) {
    message.clear();
    for (auto it = stderr_tail_.crbegin(); it != stderr_tail_.crend() && message.isEmpty(); ++it)
      if (it->startsWith(kErrorPrefix)) message = *it;
    if (message.isEmpty() && !stderr_tail_.isEmpty()) message = stderr_tail_.last();
    if (message.isEmpty()) message = tr("the engine exited with status %1").arg(exitCode);
  }
  const bool already_reported = message == reported_error_;
  EngineProcess* old = std::exchange(process_, nullptr);
  reset();
  old->deleteLater();
  // An idle engine that quit after an error already shown has nothing new to say; one that left
  // requests unanswered or ended for another reason does.
  if (!already_reported || had_pending) fail(message);
}

void ServeClient::fail(const QString& message) {
  Q_EMIT failed(message);
}

}  // namespace sy::ui
