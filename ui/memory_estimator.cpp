// The memory estimator.
#include "ui/memory_estimator.h"

#include <QDir>
#include <QJsonDocument>

#include <utility>

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

MemoryEstimator::~MemoryEstimator() = default;  // a running estimate is killed with its process

void MemoryEstimator::request(const QJsonObject& experiment, const QString& path) {
  draft_ = QJsonDocument(experiment).toJson(QJsonDocument::Compact);
  path_ = path.isEmpty() ? QDir::current().filePath("untitled.json") : path;
  timer_.start();
}

void MemoryEstimator::start() {
  // An older draft's estimate: its answer no longer matters.
  if (process_) std::exchange(process_, nullptr)->deleteLater();
  auto* process = new EngineProcess({"estimate", path_, "--stdin", "--json"}, this);
  process_ = process;
  process->setInput(draft_);
  process->setCollectOutput();
  connect(process, &EngineProcess::finished, this,
          [this, process](int code, const QString& message) {
            process->deleteLater();
            if (process_ != process) return;
            process_ = nullptr;
            if (code == 0) {
              bool fits = true;
              const QString text =
                  memory_text(QJsonDocument::fromJson(process->output()).object(), &fits);
              Q_EMIT estimated(text, fits);
            } else {
              QString error = message;
              if (error.startsWith("error: ")) error = error.mid(7);
              Q_EMIT failed(error.isEmpty() ? "the engine could not estimate it" : error);
            }
          });
  process->start();
}

}  // namespace sy::ui
