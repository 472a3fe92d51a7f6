// The memory estimator.
#include "ui/memory_estimator.h"

#include <QDir>
#include <QJsonDocument>
#include <QProcess>

#include "ui/engine_process.h"

namespace sy::ui {
namespace {

QString bytes_text(double bytes) {
  const double gib = bytes / (1024.0 * 1024 * 1024);
  return gib >= 1 ? QString::number(gib, 'f', 1) + " GiB"
                  : QString::number(bytes / (1024.0 * 1024), 'f', 0) + " MiB";
}

}  // namespace

QString memory_text(const QJsonObject& e, bool* fits) {
  *fits = e.value("fits").toBool(true);
  const double available = e.value("available").toDouble();
  QString text = "needs about " + bytes_text(e.value("total").toDouble());
  const QString dtype = e.value("weights_dtype").toString();
  if (!dtype.isEmpty()) text += " (weights in " + dtype + ")";
  if (available > 0) text += " of " + bytes_text(available) + " available";
  if (!*fits) text += ": too much, Run would refuse it";
  return text;
}

MemoryEstimator::MemoryEstimator(QObject* parent, int delay_ms) : QObject(parent) {
  timer_.setSingleShot(true);
  timer_.setInterval(delay_ms);
  connect(&timer_, &QTimer::timeout, this, &MemoryEstimator::start);
}

MemoryEstimator::~MemoryEstimator() {
  if (process_) {
    process_->disconnect(this);
    process_->kill();
    process_->waitForFinished(1000);
  }
}

void MemoryEstimator::request(const QJsonObject& experiment, const QString& path) {
  draft_ = QJsonDocument(experiment).toJson(QJsonDocument::Compact);
  path_ = path.isEmpty() ? QDir::current().filePath("untitled.json") : path;
  timer_.start();
}

void MemoryEstimator::start() {
  if (process_) {  // an older draft's estimate: its answer no longer matters
    process_->disconnect(this);
    process_->kill();
    process_->deleteLater();
  }
  process_ = new QProcess(this);
  QProcess* process = process_;
  connect(process, &QProcess::finished, this, [this, process](int code, QProcess::ExitStatus st) {
    process->deleteLater();
    if (process_ == process) process_ = nullptr;
    const QByteArray out = process->readAllStandardOutput();
    if (st == QProcess::NormalExit && code == 0) {
      bool fits = true;
      const QString text = memory_text(QJsonDocument::fromJson(out).object(), &fits);
      Q_EMIT estimated(text, fits);
    } else {
      QString error =
          QString::fromUtf8(process->readAllStandardError()).trimmed().section('\n', -1);
      if (error.startsWith("error: ")) error = error.mid(7);
      Q_EMIT failed(error.isEmpty() ? "the engine could not estimate it" : error);
    }
  });
  process->start(EngineProcess::engineProgram(), {"estimate", path_, "--stdin", "--json"});
  process->write(draft_);
  process->closeWriteChannel();
}

}  // namespace sy::ui
