// ServeClient: one long-lived `switchyard-engine serve --db FILE` process (an interactive
// EngineProcess) and its JSON-lines protocol (one compact JSON request per line on stdin, one
// response line per request on stdout, matched by "id"). It keeps a loaded model warm between
// questions, so that the playground does not pay the engine's start-up for every answer. Everything
// runs on the process's signals: nothing here waits for the engine, and a crash or an error line
// only ever shows up as failed().
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace sy::ui {

class EngineProcess;

class ServeClient : public QObject {
  Q_OBJECT

 public:
  static constexpr int kQuitTimeoutMs = 3000;  // how long a quitting engine may take to go

  explicit ServeClient(QObject* parent = nullptr);
  // Asks a running engine to quit; EngineProcess kills it if it is still there.
  ~ServeClient() override;

  // Overrides EngineProcess::engineProgram() (tests, or a user's setting); used by the next
  // start().
  void setProgram(const QString& program) { program_ = program; }
  QString program() const { return program_; }

  // Starts `PROGRAM serve --db dbPath`, stopping a previous engine first. ready() follows once
  // the engine has printed its ready line; requests made before that are held and sent then.
  void start(const QString& dbPath);
  // Sends {"op":"quit"}, closes stdin and forgets the engine: no signal comes from it any more,
  // and pending requests are dropped without an answer.
  void stop();

  bool isRunning() const { return process_ != nullptr; }
  bool isReady() const { return ready_; }
  QString databasePath() const { return db_path_; }
  // Whether a request (by the id load() or ask() returned) still waits for its response.
  bool isPending(int id) const { return pending_.contains(id); }
  int pendingCount() const { return int(pending_.size()); }
  // The last EngineProcess::kStderrLines lines the engine wrote on stderr.
  QStringList stderrTail() const;

  // Each returns the request's id (> 0), or 0 when no engine is running (failed() says so).
  int load(int64_t runId);
  // adapter: std::nullopt lets the run decide (SwitchCIT: its switch), a position forces that
  // task's adapter.
  int ask(const QString& instruction, const QString& input, std::optional<int> adapter,
          int maxNewTokens);

 Q_SIGNALS:
  void ready();
  void loaded(const QJsonObject& response);
  void answered(const QJsonObject& response);
  // A request the engine refused ({"ok":false,"error":...}), an `error: ...` line on its stderr,
  // or the engine ending or failing to start (then the last `error: ...` line, if any).
  void failed(const QString& message);

 private:
  enum class Op { Load, Ask };

  int send(Op op, QJsonObject request);
  void handleResponse(const QJsonObject& response);
  void onStderrLine(const QString& line);
  void onFinished(int exitCode, const QString& message);
  void reset();
  void fail(const QString& message);

  EngineProcess* process_ = nullptr;
  QString program_;
  QString db_path_;
  bool ready_ = false;
  int next_id_ = 1;
  QHash<int, Op> pending_;   // sent (or held), not answered yet
  QList<QByteArray> held_;   // requests made before the ready line
  QStringList stderr_tail_;  // the last engine's, once it has ended
  QString reported_error_;   // the stderr error line already sent through failed()
};

}  // namespace sy::ui
