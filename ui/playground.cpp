// Playground: the form, the probability bars and the bookkeeping that keeps answers and loads
// belonging to the run and question now on screen (stale responses are dropped by id).
#include "ui/playground.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <optional>

#include "ui/custom_plot.h"
#include "ui/error_style.h"
#include "ui/key_bindings.h"
#include "ui/serve_client.h"

namespace sy::ui {

namespace {

const QColor kBarColor(120, 144, 176);
const QColor kRoutedColor(230, 126, 34);

// -1 for null or anything that is not a position.
int positionOf(const QJsonValue& value) {
  return value.isDouble() ? value.toInt(-1) : -1;
}

}  // namespace

Playground::Playground(QWidget* parent)
    : QWidget(parent),
      client_(new ServeClient(this)),
      instruction_(new QLineEdit(this)),
      input_(new QPlainTextEdit(this)),
      adapter_(new QComboBox(this)),
      max_tokens_(new QSpinBox(this)),
      ask_button_(new QPushButton(tr("Ask"), this)),
      plot_(new QCustomPlot(this)),
      bars_(nullptr),
      routed_bar_(nullptr),
      plot_note_(new QLabel(this)),
      answer_(new QPlainTextEdit(this)),
      status_(new QLabel(this)) {
  instruction_->setPlaceholderText(tr("Instruction, e.g. Reverse the order of the words."));
  input_->setPlaceholderText(tr("Input (optional)"));
  input_->setTabChangesFocus(true);
  input_->setMaximumHeight(fontMetrics().lineSpacing() * 5);
  max_tokens_->setRange(1, 1024);
  max_tokens_->setValue(kDefaultMaxNewTokens);
  max_tokens_->setToolTip(tr("The most tokens the answer may have"));
  ask_button_->setToolTip(tr("Ask the model (Ctrl+Return)"));
  answer_->setReadOnly(true);
  answer_->setPlaceholderText(tr("The answer appears here."));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  plot_note_->setWordWrap(true);
  plot_note_->setAlignment(Qt::AlignCenter);
  plot_note_->hide();

  // Routed and forced answers overlap on one set of bars: all tasks in the plain colour, the
  // routed one drawn again on top in the highlight colour, so the bar count stays the task count.
  bars_ = new QCPBars(plot_->xAxis, plot_->yAxis);
  bars_->setName(tr("switch probability"));
  bars_->setPen(QPen(kBarColor.darker(130)));
  bars_->setBrush(kBarColor);
  bars_->setWidth(0.6);
  routed_bar_ = new QCPBars(plot_->xAxis, plot_->yAxis);
  routed_bar_->setName(tr("routed task"));
  routed_bar_->setPen(QPen(kRoutedColor.darker(130)));
  routed_bar_->setBrush(kRoutedColor);
  routed_bar_->setWidth(0.6);
  plot_->yAxis->setRange(0, 1);
  plot_->yAxis->setLabel(tr("switch probability"));
  plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  plot_->xAxis->grid()->setVisible(false);
  plot_->setMinimumHeight(140);

  auto* form = new QFormLayout;
  form->addRow(tr("Instruction"), instruction_);
  form->addRow(tr("Input"), input_);
  auto* options = new QHBoxLayout;
  options->addWidget(adapter_, 1);
  options->addWidget(new QLabel(tr("Max tokens"), this));
  options->addWidget(max_tokens_);
  options->addWidget(ask_button_);
  form->addRow(tr("Adapter"), options);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(plot_, 1);
  layout->addWidget(plot_note_);
  layout->addWidget(new QLabel(tr("Answer"), this));
  layout->addWidget(answer_, 1);
  layout->addWidget(status_);

  // The shortcuts belong to this widget and its children: the input box keeps plain Return for
  // new lines, and a playground in a hidden tab does not answer another tab's Ctrl+Return. Their
  // keys come from the table the shortcuts dialog lists (key_bindings.h).
  for (const QKeySequence& key : key_binding(KeyBinding::Ask).keys) {
    auto* shortcut = new QShortcut(key, this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &Playground::ask);
  }
  connect(ask_button_, &QPushButton::clicked, this, &Playground::ask);
  connect(instruction_, &QLineEdit::returnPressed, this, &Playground::ask);

  connect(client_, &ServeClient::loaded, this, &Playground::onLoaded);
  connect(client_, &ServeClient::answered, this, &Playground::onAnswered);
  connect(client_, &ServeClient::failed, this, &Playground::onFailed);

  clearRun();
  setStatus(tr("Choose a finished run to ask it."));
}

void Playground::setProgram(const QString& program) {
  client_->setProgram(program);
}

void Playground::setDatabase(const QString& path) {
  if (path == db_path_) return;
  db_path_ = path;
  // The engine holds the old database open; the next use starts one on the new file.
  client_->stop();
  load_id_ = 0;
  ask_id_ = 0;
  clearRun();
  setStatus(run_id_ > 0 ? tr("Run %1 is loaded when you ask.").arg(run_id_)
                        : tr("Choose a finished run to ask it."));
}

void Playground::setRun(int64_t runId) {
  run_id_ = runId;
  load_id_ = 0;
  ask_id_ = 0;  // an answer on the way is the previous run's
  clearRun();
  if (run_id_ <= 0) {
    setStatus(tr("Choose a finished run to ask it."));
    return;
  }
  requestLoad();
}

void Playground::clearRun() {
  loaded_ = false;
  tasks_.clear();
  router_ = false;
  adapter_->clear();
  adapter_->addItem(tr("switch decides"));
  adapter_->setEnabled(false);
  answer_->clear();
  last_answer_ = {};
  showProbabilities({}, -1);
  updateAskEnabled();
}

void Playground::ensureEngine() {
  if (client_->isRunning()) return;
  if (db_path_.isEmpty()) return;
  client_->start(db_path_);
  // A fresh engine has loaded nothing yet.
  loaded_ = false;
  load_id_ = 0;
  setStatus(tr("Starting the engine…"));
}

void Playground::requestLoad() {
  if (db_path_.isEmpty()) {
    setStatus(tr("Open a database first."));
    return;
  }
  ensureEngine();
  load_id_ = client_->load(run_id_);
  if (load_id_ != 0) setStatus(tr("Loading run %1…").arg(run_id_));
}

void Playground::ask() {
  if (run_id_ <= 0) {
    setStatus(tr("Choose a finished run to ask it."));
    return;
  }
  if (db_path_.isEmpty()) {
    setStatus(tr("Open a database first."));
    return;
  }
  const QString instruction = instruction_->text().trimmed();
  if (instruction.isEmpty()) {
    setStatus(tr("Type an instruction first."));
    return;
  }
  ensureEngine();
  // The engine answers in order, so a load sent just before is in place when the question comes.
  if (!loaded_ && (load_id_ == 0 || !client_->isPending(load_id_))) requestLoad();
  const QVariant adapter = adapter_->currentData();
  const std::optional<int> position =
      adapter.isValid() ? std::optional<int>(adapter.toInt()) : std::nullopt;
  ask_id_ = client_->ask(instruction, input_->toPlainText(), position, max_tokens_->value());
  if (ask_id_ == 0) return;
  setStatus(tr("Asking run %1…").arg(run_id_));
  updateAskEnabled();
}

void Playground::onLoaded(const QJsonObject& response) {
  if (response.value(QLatin1String("id")).toInt() != load_id_) return;  // an earlier run's
  load_id_ = 0;
  loaded_ = true;
  tasks_.clear();
  for (const QJsonValue& task : response.value(QLatin1String("tasks")).toArray())
    tasks_.append(task.toString());
  router_ = response.value(QLatin1String("router")).toBool();

  // Keep the user's choice across a reload of the same run (a restarted engine).
  const QVariant previous = adapter_->currentData();
  adapter_->clear();
  adapter_->addItem(router_ ? tr("switch decides") : tr("the run decides (no switch)"));
  for (const QJsonValue& value : response.value(QLatin1String("adapters")).toArray()) {
    const int position = positionOf(value);
    if (position < 0) continue;
    const QString name = tasks_.value(position, tr("task %1").arg(position));
    adapter_->addItem(tr("%1's adapter").arg(name), position);
  }
  const int index = previous.isValid() ? adapter_->findData(previous) : 0;
  adapter_->setCurrentIndex(std::max(index, 0));
  adapter_->setEnabled(true);
  // Redrawn with what is now known (a switch or not): the bars kept, or the sentence for the case.
  if (router_)
    showProbabilities(probabilities_, routed_);
  else
    showProbabilities({}, -1);

  const QString label = response.value(QLatin1String("label")).toString();
  if (ask_id_ == 0)
    setStatus(
        tr("Run %1 (%2) is ready: %3 tasks.")
            .arg(run_id_)
            .arg(label.isEmpty() ? response.value(QLatin1String("strategy")).toString() : label)
            .arg(tasks_.size()));
  updateAskEnabled();
}

void Playground::onAnswered(const QJsonObject& response) {
  if (response.value(QLatin1String("id")).toInt() != ask_id_) return;  // an earlier question's
  ask_id_ = 0;
  last_answer_ = response;
  answer_->setPlainText(response.value(QLatin1String("answer")).toString());

  QVector<double> probabilities;
  for (const QJsonValue& p : response.value(QLatin1String("probabilities")).toArray())
    probabilities.append(p.toDouble());
  const int routed = positionOf(response.value(QLatin1String("routed")));
  showProbabilities(probabilities, routed);

  const int adapter = positionOf(response.value(QLatin1String("adapter")));
  QString who;
  if (adapter >= 0)
    who = tr("%1's adapter").arg(tasks_.value(adapter, QString::number(adapter)));
  else if (routed >= 0)
    who = tr("routed to %1").arg(tasks_.value(routed, QString::number(routed)));
  else
    who = tr("as the run answers");
  setStatus(tr("Answered by run %1, %2.").arg(run_id_).arg(who));
  updateAskEnabled();
  Q_EMIT answerShown();
}

void Playground::onFailed(const QString& message) {
  // Whatever failed, requests the engine no longer holds are not awaited any more; a dead engine
  // holds none, and the next use starts a fresh one.
  if (ask_id_ != 0 && !client_->isPending(ask_id_)) ask_id_ = 0;
  if (load_id_ != 0 && !client_->isPending(load_id_)) load_id_ = 0;
  if (!client_->isRunning()) loaded_ = false;
  setStatus(message);
  status_->setStyleSheet(QString::fromLatin1(kErrorTextStyle));
  updateAskEnabled();
  Q_EMIT failureShown(message);
}

void Playground::showProbabilities(const QVector<double>& probabilities, int routed) {
  probabilities_ = probabilities;
  routed_ = routed;
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  QVector<double> keys;
  for (int i = 0; i < probabilities.size(); ++i) {
    keys.append(i);
    ticker->addTick(i, tasks_.value(i, QString::number(i)));
  }
  plot_->xAxis->setTicker(ticker);
  bars_->setData(keys, probabilities, true);
  if (routed >= 0 && routed < probabilities.size())
    routed_bar_->setData({double(routed)}, {probabilities[routed]}, true);
  else
    routed_bar_->data()->clear();
  plot_->xAxis->setRange(-0.5, std::max<double>(probabilities.size(), 1) - 0.5);

  // No bars to draw (a run without a switch, no run, nothing asked yet): a sentence that says
  // why, rather than empty axes.
  QString note;
  if (loaded_ && !router_)
    note = tr("This run has no switch: every question goes to the adapter it would use.");
  else if (probabilities.isEmpty())
    note = loaded_ ? tr("Ask a question: the switch's probability for each task is drawn here.")
                   : tr("The switch's probability for each task is drawn here once a run is "
                        "chosen and asked.");
  plot_->setVisible(note.isEmpty());
  plot_note_->setVisible(!note.isEmpty());
  plot_note_->setText(note);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString Playground::plotNoteText() const {
  return plot_note_->isVisibleTo(this) ? plot_note_->text() : QString();
}

QString Playground::answerText() const {
  return answer_->toPlainText();
}

QString Playground::statusText() const {
  return status_->text();
}

void Playground::setStatus(const QString& text) {
  status_->setStyleSheet(QString());
  status_->setText(text);
}

void Playground::updateAskEnabled() {
  // One question at a time: answers are slow on a CPU, and a second click would only queue.
  ask_button_->setEnabled(ask_id_ == 0);
}

}  // namespace sy::ui
