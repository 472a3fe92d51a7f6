// One switchyard-engine command as a child process of the GUI (docs/architecture.md, "The shape
// of the product"), and the only way the app starts one: a run's events, a served model's answers,
// an estimate or a schema read from stdout, a plan's submit.sh. It starts the process, turns its
// stdout into JSON objects (docs/events.md) as the lines arrive, feeds its stdin when asked and
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
  // What the engine reads on stdin; only before start(). By default it reads nothing (stdin is
  // the null device); setInput() writes `data` and closes stdin (e.g. `estimate --stdin`);
  // setInteractive() keeps stdin open for write() (`serve`'s requests).
  void setInput(const QByteArray& data);
  void setInteractive();
  // Keeps everything the engine writes on stdout for output(), for commands whose answer is one
  // document rather than a stream of events (`schema --json`, `estimate --json`).
  void setCollectOutput() { collect_output_ = true; }
  QByteArray output() const { return output_; }

  // Starts the engine; never emits finished() before it returns, so the caller may connect and
  // start in any order. Only once per object.
  void start();
  // Asks the engine to stop (SIGTERM: it finishes its step and marks the run cancelled), and kills
  // it if it is still there after the kill timeout. finished() follows, with 130 and "cancelled".
  void cancel();
  // Sends a line to an interactive engine's stdin (written once it runs; dropped once it ended).
  void write(const QByteArray& data);
  // Closes an interactive engine's stdin, its sign to leave, and kills it if it is still there
  // after `kill_after_ms`; finished() follows as usual.
  void closeInput(int kill_after_ms);

  bool isRunning() const { return started_ && !finished_; }
  bool isFinished() const { return finished_; }
  // The last kStderrLines lines the engine wrote on stderr (progress lines and errors).
  QStringList stderrTail() const { return stderr_tail_; }

 Q_SIGNALS:
  void eventReceived(const QJsonObject& event);
  // Each line the engine writes on stderr, as it arrives (an `error: ...` line is news even
  // while a served engine lives on).
  void stderrLine(const QString& line);
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
  enum class Input { None, Data, Interactive };
  Input input_ = Input::None;
  QByteArray input_data_;
  bool collect_output_ = false;
  QByteArray output_;
  QByteArray stdout_pending_;  // the start of a line whose end has not arrived yet
  QByteArray stderr_pending_;
  QStringList stderr_tail_;
  bool started_ = false;
  bool cancel_requested_ = false;
  bool finished_ = false;
};

}  // namespace sy::ui
