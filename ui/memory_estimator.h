// What a run of the experiment being edited needs in memory, asked of the engine
// (`switchyard-engine estimate FILE --stdin --json`, the estimate `run` checks) without blocking
// the event loop: requests that come within the delay fold into one, and a newer request stops an
// older estimate still running, so typing in the form starts one engine at most.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>

namespace sy::ui {

class EngineProcess;

// "needs about 218 MiB of 22.7 GiB available" from estimate --json's object; *fits from it.
QString memory_text(const QJsonObject& estimate, bool* fits);

class MemoryEstimator : public QObject {
  Q_OBJECT

 public:
  explicit MemoryEstimator(QObject* parent = nullptr, int delay_ms = 400);
  ~MemoryEstimator() override;

  // `path`: where the experiment lives (relative paths in it resolve against it); empty: here.
  void request(const QJsonObject& experiment, const QString& path);

 Q_SIGNALS:
  void estimated(const QString& text, bool fits);
  void failed(const QString& message);  // the engine's error line (e.g. a missing model folder)

 private:
  void start();

  QTimer timer_;
  EngineProcess* process_ = nullptr;
  QByteArray draft_;
  QString path_;
};

}  // namespace sy::ui
