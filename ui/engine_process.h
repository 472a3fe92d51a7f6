// One switchyard-engine command as a child process of the GUI (DESIGN.md "Processes and data
// flow"): starts it, turns its stdout into event objects (docs/events.md) as the lines arrive and
// reports how it ended. Everything is driven by QProcess's signals, so nothing here blocks the
// event loop; a crash or a kill in the engine only ever shows up as a finished() message.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

class QTimer;

namespace sy::ui {

class EngineProcess : public QObject {
  Q_OBJECT

 public:
  // finished()'s exit code: the engine's own status (0 success, 1 error, 130 cancelled), 130 too
  // when a cancelled engine had to be killed, and kNoExitStatus when there is no status to report
  // (the program did not start, or crashed).
  static constexpr int kCancelled = 130;
  static constexpr int kNoExitStatus = -1;
  static constexpr int kStderrLines = 50;  // how much of stderr is kept for the error message
  static constexpr int kDefaultKillTimeoutMs = 10'000;

  // arguments: the engine command, e.g. {"run", FILE, "--events", "--db", DB}.
  explicit EngineProcess(QStringList arguments, QObject* parent = nullptr);
  // Kills a still-running engine: the run stays `running` in the database until the next engine
  // command marks it `interrupted` (it can be resumed). Call cancel() first for a clean stop.
  ~EngineProcess() override;

  // The engine binary: $SWITCHYARD_ENGINE, else switchyard-engine next to this executable (an
  // installed app), else ../app/switchyard-engine from it (the build tree), else the PATH's.
  static QString engineProgram();

  // Overrides engineProgram() (tests, or a user's setting); only before start().
  void setProgram(const QString& program) { program_ = program; }
  QString program() const { return program_; }
  QStringList arguments() const { return arguments_; }
  // How long cancel() waits after SIGTERM before it kills: the engine stops between two training
  // steps, and one step on a slow CPU can take seconds.
  void setKillTimeout(int ms) { kill_timeout_ms_ = ms; }

  // Starts the engine; never emits finished() before it returns, so the caller may connect and
  // start in any order. Only once per object.
  void start();
  // Asks the engine to stop (SIGTERM: it finishes its step and marks the run cancelled), and kills
  // it if it is still there after the kill timeout. finished() follows, with 130 and "cancelled".
  void cancel();

  bool isRunning() const { return started_ && !finished_; }
  bool isFinished() const { return finished_; }
  // The last kStderrLines lines the engine wrote on stderr (progress lines and errors).
  QStringList stderrTail() const { return stderr_tail_; }

 Q_SIGNALS:
  void eventReceived(const QJsonObject& event);
  // Exactly once. message: empty on success, "cancelled" for 130, otherwise why it failed: the
  // engine's last `error: ...` line, how it crashed, or why it could not be started.
  void finished(int exitCode, const QString& message);

 private:
  void readStdout();
  void readStderr();
  void parseLine(const QByteArray& line);
  void addStderrLine(const QByteArray& line);
  void onProcessFinished(int exitCode, QProcess::ExitStatus status);
  void onErrorOccurred(QProcess::ProcessError error);
  void finish(int exitCode, const QString& message);
  QString failureMessage(int exitCode) const;

  QProcess* process_;
  QTimer* kill_timer_;
  QString program_;
  QStringList arguments_;
  int kill_timeout_ms_ = kDefaultKillTimeoutMs;
  QByteArray stdout_pending_;  // the start of a line whose end has not arrived yet
  QByteArray stderr_pending_;
  QStringList stderr_tail_;
  bool started_ = false;
  bool cancel_requested_ = false;
  bool finished_ = false;
};

}  // namespace sy::ui
