// Playground: "Ask the model" — one instruction (and optional input) put to a finished run
// through a warm `switchyard-engine serve` process (ServeClient). For SwitchCIT it draws the
// switch's probability for each task as bars, the routed task highlighted, so that one sees
// which expert answered and how sure the switch was; any task's adapter can be forced instead.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>

class QComboBox;
class QCPBars;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace sy::ui {

class ServeClient;

class Playground : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kDefaultMaxNewTokens = 64;

  explicit Playground(QWidget* parent = nullptr);

  // The database the runs live in. The engine is (re)started on the next use, not here, so that
  // opening a database costs nothing until someone asks.
  void setDatabase(const QString& path);
  QString database() const { return db_path_; }
  // The run to ask (runs.id); <= 0 for none. Loads it at once so that the adapter list fills.
  void setRun(int64_t runId);
  int64_t run() const { return run_id_; }
  // Overrides the engine binary (tests, or a user's setting); takes effect at the next start.
  void setProgram(const QString& program);

  // Puts the instruction to the run with the chosen adapter (also Ctrl+Return).
  void ask();

  // For tests and the window.
  ServeClient* client() const { return client_; }
  QLineEdit* instructionEdit() const { return instruction_; }
  QPlainTextEdit* inputEdit() const { return input_; }
  QComboBox* adapterCombo() const { return adapter_; }
  QSpinBox* maxTokensBox() const { return max_tokens_; }
  QPushButton* askButton() const { return ask_button_; }
  QCustomPlot* plot() const { return plot_; }
  // The sentence shown instead of the bars (no run, no switch, nothing asked yet); "" with bars.
  QString plotNoteText() const;
  QCPBars* bars() const { return bars_; }
  QCPBars* routedBar() const { return routed_bar_; }
  QString answerText() const;
  QString statusText() const;
  // The loaded run's tasks (positions index them) and whether it has a switch.
  QStringList tasks() const { return tasks_; }
  bool hasRouter() const { return router_; }
  bool isLoaded() const { return loaded_; }
  // The last answer's switch probabilities (empty without a switch) and routed task (-1: none).
  QVector<double> probabilities() const { return probabilities_; }
  int routedTask() const { return routed_; }
  QJsonObject lastAnswer() const { return last_answer_; }

 Q_SIGNALS:
  // After each answer is shown (tests wait on it), and after each failure shown.
  void answerShown();
  void failureShown(const QString& message);

 private:
  void ensureEngine();
  void requestLoad();
  void onLoaded(const QJsonObject& response);
  void onAnswered(const QJsonObject& response);
  void onFailed(const QString& message);
  void clearRun();
  void showProbabilities(const QVector<double>& probabilities, int routed);
  void setStatus(const QString& text);
  void updateAskEnabled();

  ServeClient* client_;
  QLineEdit* instruction_;
  QPlainTextEdit* input_;
  QComboBox* adapter_;
  QSpinBox* max_tokens_;
  QPushButton* ask_button_;
  QCustomPlot* plot_;
  QCPBars* bars_;
  QCPBars* routed_bar_;  // the routed task's bar again, drawn over bars_ in the highlight colour
  QLabel* plot_note_;
  QPlainTextEdit* answer_;
  QLabel* status_;

  QString db_path_;
  int64_t run_id_ = 0;
  int load_id_ = 0;  // the request whose response is the current run's (0: none in flight)
  int ask_id_ = 0;   // the question whose answer is awaited (0: none)
  bool loaded_ = false;
  QStringList tasks_;
  bool router_ = false;
  QVector<double> probabilities_;
  int routed_ = -1;
  QJsonObject last_answer_;
};

}  // namespace sy::ui
