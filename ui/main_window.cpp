// The main window. Live events are folded into per-run traces; the shown run's plots coalesce
// their own replots, so a fast event stream never stalls the event loop.
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "ui/compare_view.h"
#include "ui/engine_process.h"
#include "ui/experiment_designer.h"
#include "ui/loss_plot.h"
#include "ui/matrix_heatmap.h"
#include "ui/playground.h"
#include "ui/retention_plot.h"
#include "ui/run_list_model.h"
#include "ui/run_plots.h"
#include "ui/run_queue.h"

namespace sy::ui {
namespace {

QString eta_text(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  return QString("%1:%2:%3")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QChar('0'))
      .arg(s % 60, 2, 10, QChar('0'));
}

}  // namespace

MainWindow::MainWindow(const QString& db_path, QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("Switchyard");
  queue_ = new RunQueue(this);
  queue_model_ = new RunQueueModel(queue_, this);
  runs_ = new RunListModel(this);
  buildActions();
  buildLayout();

  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  splitter_->restoreState(settings.value("window/splitter").toByteArray());
  left_->restoreState(settings.value("window/left").toByteArray());
  QString path = db_path;
  if (path.isEmpty()) path = settings.value("database").toString();
  if (path.isEmpty()) path = QString::fromStdString(store::default_db_path());
  openDatabase(path);
  const QString last = settings.value("experiment").toString();
  if (!last.isEmpty() && QFileInfo::exists(last)) openExperiment(last);

  connect(queue_, &RunQueue::jobEvent, this, &MainWindow::onJobEvent);
  connect(queue_, &RunQueue::jobFinished, this, &MainWindow::onJobFinished);
  updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
  QMenu* file = menuBar()->addMenu("&File");
  QAction* open = file->addAction("&Open experiment…", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open experiment", experiment_path_,
                                                      "Experiments (*.json)");
    if (!path.isEmpty()) openExperiment(path);
  });
  open->setShortcut(QKeySequence::Open);
  QAction* open_db = file->addAction("Open &database…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Open or create a database",
                                                      databasePath(), "Switchyard databases (*.db)",
                                                      nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) openDatabase(path);
  });
  open_db->setShortcut(QKeySequence("Ctrl+Shift+O"));
  QAction* save = file->addAction("&Save experiment", this, [this] { saveExperiment(); });
  save->setShortcut(QKeySequence::Save);
  QAction* save_as = file->addAction("Save experiment &as…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Save experiment", experiment_path_,
                                                      "Experiments (*.json)");
    if (!path.isEmpty()) saveExperiment(path);
  });
  save_as->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* export_plots = file->addAction("&Export plots…", this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, "Export the run's plots to");
    if (!folder.isEmpty() && !exportPlots(folder)) {
      QMessageBox::warning(this, "Export", "Could not write every plot to " + folder);
    }
  });
  export_plots->setShortcut(QKeySequence("Ctrl+E"));
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* run = menuBar()->addMenu("&Run");
  run_action_ = run->addAction("&Run experiment", this, &MainWindow::runExperiment);
  run_action_->setShortcut(QKeySequence("Ctrl+R"));
  cancel_action_ = run->addAction("&Cancel runs", this, &MainWindow::cancelRuns);
  cancel_action_->setShortcut(QKeySequence("Ctrl+."));
  quick_action_ = run->addAction("&Quick (a few steps, for a check)");
  quick_action_->setCheckable(true);
  connect(quick_action_, &QAction::toggled, this, [this](bool on) { quick_ = on; });
  QAction* compare = run->addAction("C&ompare selected runs", this, [this] {
    if (!compareRuns()) {
      QMessageBox::information(this, "Compare", "Select two or more runs in the run list.");
    }
  });
  compare->setShortcut(QKeySequence("Ctrl+Shift+C"));
  QAction* refresh = run->addAction("Re&fresh run list", this, &MainWindow::refreshRuns);
  refresh->setShortcut(QKeySequence::Refresh);

  QToolBar* bar = addToolBar("Main");
  bar->setObjectName("main-toolbar");
  bar->addAction(open);
  bar->addAction(run_action_);
  bar->addAction(cancel_action_);
  bar->addAction(quick_action_);
  bar->addAction(compare);
}

void MainWindow::buildLayout() {
  runs_proxy_ = new QSortFilterProxyModel(this);
  runs_proxy_->setSourceModel(runs_);
  runs_proxy_->setSortRole(Qt::EditRole);
  runs_proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  runs_proxy_->setFilterKeyColumn(-1);  // any column: experiment, strategy, status, tag, date

  filter_ = new QLineEdit;
  filter_->setPlaceholderText("Filter runs (experiment, strategy, status, tag, date)…");
  filter_->setClearButtonEnabled(true);
  connect(filter_, &QLineEdit::textChanged, runs_proxy_,
          &QSortFilterProxyModel::setFilterFixedString);

  runs_view_ = new QTableView;
  runs_view_->setModel(runs_proxy_);
  runs_view_->setSortingEnabled(true);
  runs_view_->sortByColumn(RunListModel::Id, Qt::DescendingOrder);
  runs_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  runs_view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  runs_view_->verticalHeader()->hide();
  runs_view_->horizontalHeader()->setStretchLastSection(true);
  runs_view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(runs_view_, &QWidget::customContextMenuRequested, this, &MainWindow::showRunMenu);
  connect(runs_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (!current.isValid()) return;
            follow_live_ = false;
            showRun(current.data(RunListModel::RunIdRole).toLongLong());
          });

  queue_view_ = new QTableView;
  queue_view_->setModel(queue_model_);
  queue_view_->verticalHeader()->hide();
  queue_view_->horizontalHeader()->setStretchLastSection(true);

  experiment_label_ = new QLabel("No experiment open (Ctrl+O)");
  experiment_label_->setWordWrap(true);

  auto* runs_box = new QWidget;
  auto* runs_layout = new QVBoxLayout(runs_box);
  runs_layout->setContentsMargins(0, 0, 0, 0);
  runs_layout->addWidget(experiment_label_);
  runs_layout->addWidget(filter_);
  runs_layout->addWidget(runs_view_);

  left_ = new QSplitter(Qt::Vertical);
  left_->addWidget(runs_box);
  left_->addWidget(queue_view_);
  left_->setStretchFactor(0, 3);
  left_->setStretchFactor(1, 1);

  plots_ = new RunPlots;
  compare_ = new CompareView;
  designer_ = new ExperimentDesigner;
  connect(designer_, &ExperimentDesigner::changed, this, [this] { designer_modified_ = true; });
  tabs_ = new QTabWidget;
  tabs_->addTab(plots_, "Run");
  tabs_->addTab(compare_, "Compare");
  tabs_->addTab(designer_, "Experiment");
  playground_ = new Playground;
  tabs_->addTab(playground_, "Ask");
  // The playground's engine loads a run's model: only when the tab is looked at.
  connect(tabs_, &QTabWidget::currentChanged, this, [this] {
    if (tabs_->currentWidget() == playground_ && shown_ != 0 && !live_.contains(shown_) &&
        playground_->run() != shown_) {
      playground_->setRun(shown_);
    }
  });
  splitter_ = new QSplitter(Qt::Horizontal);
  splitter_->addWidget(left_);
  splitter_->addWidget(tabs_);
  splitter_->setStretchFactor(0, 2);
  splitter_->setStretchFactor(1, 3);
  splitter_->setSizes({520, 900});
  setCentralWidget(splitter_);

  status_label_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(240);
  statusBar()->addWidget(status_label_, 1);
  statusBar()->addPermanentWidget(progress_);
  resize(1280, 800);
}

void MainWindow::openDatabase(const QString& path) {
  try {
    store_.emplace(store::Store::open(path.toStdString()));
    store_->mark_interrupted_runs();
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Cannot open the database", QString::fromUtf8(e.what()));
    return;
  }
  QSettings().setValue("database", path);
  playground_->setDatabase(path);
  setWindowTitle("Switchyard — " + QFileInfo(path).fileName());
  live_.clear();
  shown_ = 0;
  refreshRuns();
}

QString MainWindow::databasePath() const {
  return store_ ? QString::fromStdString(store_->path()) : QString();
}

bool MainWindow::openExperiment(const QString& path) {
  QFile file(path);
  QJsonParseError error{};
  QJsonDocument doc;
  if (file.open(QIODevice::ReadOnly)) doc = QJsonDocument::fromJson(file.readAll(), &error);
  if (!file.isOpen() || error.error != QJsonParseError::NoError || !doc.isObject()) {
    const QString why = !file.isOpen() ? file.errorString() : error.errorString();
    QMessageBox::warning(this, "Cannot open the experiment", path + ": " + why);
    return false;
  }
  experiment_path_ = QFileInfo(path).absoluteFilePath();
  QSettings().setValue("experiment", experiment_path_);
  QString designer_error;
  if (!designer_->load(experiment_path_, &designer_error)) {
    status_label_->setText("The designer cannot show this file: " + designer_error);
  }
  designer_modified_ = false;
  const QJsonObject o = doc.object();
  QStringList tasks, strategies;
  for (const QJsonValue& t : o.value("tasks").toArray())
    tasks << (t.isString() ? t.toString() : t.toObject().value("name").toString());
  for (const QJsonValue& s : o.value("strategies").toArray())
    strategies << (s.isString() ? s.toString()
                                : s.toObject().value("label").toString(
                                      s.toObject().value("name").toString()));
  experiment_label_->setText(QString("<b>%1</b> — tasks: %2<br>strategies: %3 — Ctrl+R runs it")
                                 .arg(o.value("name").toString(QFileInfo(path).baseName()),
                                      tasks.join(", "), strategies.join(", ")));
  updateStatus();
  return true;
}

void MainWindow::setQuick(bool quick) {
  quick_action_->setChecked(quick);
}

void MainWindow::runExperiment() {
  if (!store_) return;
  if (!designer_->isValid()) {
    // Nothing runs with a value the form has flagged.
    tabs_->setCurrentWidget(designer_);
    QMessageBox::warning(this, "Run",
                         "Fix the flagged settings first:\n" + designer_->problems().join("\n"));
    return;
  }
  if (designer_modified_ || experiment_path_.isEmpty()) {
    if (!saveExperiment()) return;
  }
  RunJob job;
  job.title = QFileInfo(experiment_path_).baseName() + (quick_ ? " (quick)" : "");
  job.arguments = {"run", experiment_path_, "--events", "--db", databasePath()};
  if (quick_) job.arguments << "--quick";
  follow_live_ = true;
  tabs_->setCurrentWidget(plots_);
  queue_->enqueue(job);
  updateStatus();
}

void MainWindow::cancelRuns() {
  queue_->cancelAll();
}

void MainWindow::refreshRuns() {
  if (!store_) return;
  try {
    runs_->refresh(*store_);
    runs_view_->resizeColumnsToContents();
  } catch (const std::exception& e) {
    status_label_->setText(QString::fromUtf8(e.what()));
  }
}

void MainWindow::showRun(int64_t run_id) {
  shown_ = run_id;
  if (live_.contains(run_id)) {
    trace_ = live_.value(run_id);
  } else if (store_) {
    try {
      trace_ = trace_from_store(store_->load_run(run_id), store_->load_train_points(run_id));
    } catch (const std::exception& e) {
      status_label_->setText(QString::fromUtf8(e.what()));
      return;
    }
  }
  plots_->setTrace(trace_);
  if (tabs_->currentWidget() == playground_ && !live_.contains(run_id)) playground_->setRun(run_id);
}

bool MainWindow::compareRuns(QVector<int64_t> run_ids) {
  if (!store_) return false;
  if (run_ids.isEmpty()) {
    for (const QModelIndex& index : runs_view_->selectionModel()->selectedRows()) {
      run_ids << index.data(RunListModel::RunIdRole).toLongLong();
    }
  }
  if (run_ids.size() < 2) return false;
  QVector<RunTrace> traces;
  QVector<QString> configs;
  try {
    for (int64_t id : run_ids) {
      const store::RunData data = store_->load_run(id);
      traces << trace_from_store(data, store_->load_train_points(id));
      configs << QString::fromStdString(data.config_json);
    }
  } catch (const std::exception& e) {
    status_label_->setText(QString::fromUtf8(e.what()));
    return false;
  }
  compare_->setRuns(traces, configs);
  tabs_->setCurrentWidget(compare_);
  return true;
}

bool MainWindow::exportPlots(const QString& folder) {
  const QString base = folder + "/" + (trace_.label.isEmpty() ? "run" : trace_.label) + "-";
  bool ok = true;
  ok &= plots_->lossPlot()->exportPng(base + "loss.png");
  ok &= plots_->lossPlot()->exportPdf(base + "loss.pdf");
  ok &= plots_->retentionPlot()->exportPng(base + "scores-by-stage.png");
  ok &= plots_->retentionPlot()->exportPdf(base + "scores-by-stage.pdf");
  ok &= plots_->scoreHeatmap()->exportPng(base + "score-matrix.png");
  ok &= plots_->scoreHeatmap()->exportPdf(base + "score-matrix.pdf");
  if (!trace_.confusions.isEmpty()) {
    ok &= plots_->confusionHeatmap()->exportPng(base + "router-confusion.png");
    ok &= plots_->confusionHeatmap()->exportPdf(base + "router-confusion.pdf");
  }
  return ok;
}

bool MainWindow::saveExperiment(QString path) {
  if (path.isEmpty()) path = experiment_path_;
  if (path.isEmpty()) {
    // A new experiment lives in the data folder, named after it.
    const QString folder =
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/experiments";
    QDir().mkpath(folder);
    QString name = designer_->toJson().value("name").toString();
    if (name.isEmpty()) name = "experiment";
    path = folder + "/" + name + ".json";
  }
  QString error;
  if (!designer_->save(path, &error)) {
    QMessageBox::warning(this, "Save experiment", error);
    return false;
  }
  designer_modified_ = false;
  return openExperiment(path);
}

QString MainWindow::statusText() const {
  return status_label_->text();
}

bool MainWindow::storeCall(const std::function<void()>& call) {
  if (!store_) return false;
  try {
    call();
  } catch (const std::exception& e) {
    status_label_->setText(QString::fromUtf8(e.what()));
    return false;
  }
  refreshRuns();
  return true;
}

bool MainWindow::resumeRun(int64_t run_id) {
  if (!store_) return false;
  RunJob job;
  job.title = QString("resume run %1").arg(run_id);
  job.arguments = {"resume", QString::number(run_id), "--events", "--db", databasePath()};
  follow_live_ = true;
  queue_->enqueue(job);
  updateStatus();
  return true;
}

bool MainWindow::extendRun(int64_t run_id, const QString& task) {
  if (!store_ || task.isEmpty()) return false;
  RunJob job;
  job.title = QString("run %1 + %2").arg(run_id).arg(task);
  job.arguments = {"extend", QString::number(run_id), "--task", task, "--events",
                   "--db",   databasePath()};
  follow_live_ = true;
  queue_->enqueue(job);
  updateStatus();
  return true;
}

bool MainWindow::exportAdapter(int64_t run_id, int position, const QString& folder) {
  if (!store_) return false;
  // The engine's export-adapter writes the PEFT folder; the window only reports how it went.
  auto* process = new QProcess(this);
  connect(process, &QProcess::finished, this, [this, process, folder](int code) {
    const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
    status_label_->setText(code == 0 ? "adapter written to " + folder : err.split('\n').last());
    process->deleteLater();
  });
  process->start(EngineProcess::engineProgram(),
                 {"export-adapter", QString::number(run_id), QString::number(position + 1), folder,
                  "--force", "--db", databasePath()});
  return true;
}

bool MainWindow::addTag(int64_t run_id, const QString& tag) {
  return !tag.trimmed().isEmpty() &&
         storeCall([&] { store_->add_tag(run_id, tag.trimmed().toStdString()); });
}

bool MainWindow::addNote(int64_t run_id, const QString& text) {
  return !text.trimmed().isEmpty() &&
         storeCall([&] { store_->add_note(run_id, text.trimmed().toStdString()); });
}

bool MainWindow::deleteRun(int64_t run_id) {
  if (live_.contains(run_id)) {
    status_label_->setText("run is still running; cancel it first");
    return false;
  }
  const bool ok = storeCall([&] { store_->delete_run(run_id); });
  if (ok && shown_ == run_id) {
    shown_ = 0;
    trace_ = RunTrace();
    plots_->setTrace(trace_);
  }
  return ok;
}

void MainWindow::showRunMenu(const QPoint& pos) {
  const QModelIndex index = runs_view_->indexAt(pos);
  if (!index.isValid() || !store_) return;
  const int64_t id = index.data(RunListModel::RunIdRole).toLongLong();
  store::RunData data;
  try {
    data = store_->load_run(id);
  } catch (const std::exception& e) {
    status_label_->setText(QString::fromUtf8(e.what()));
    return;
  }
  using store::RunStatus;
  const RunStatus status = data.run.status;
  QMenu menu(this);
  QAction* resume = menu.addAction("Resume", [this, id] { resumeRun(id); });
  resume->setEnabled(status == RunStatus::Interrupted || status == RunStatus::Cancelled ||
                     status == RunStatus::Failed);
  QAction* extend = menu.addAction("Add a task…", [this, id] {
    bool ok = false;
    const QString task = QInputDialog::getItem(
        this, "Add a task", "Built-in task to add:", designer_->builtinTasks(), 0, false, &ok);
    if (ok) extendRun(id, task);
  });
  extend->setEnabled(status == RunStatus::Finished && data.run.strategy != "multitask");
  QStringList adapter_tasks;
  for (const auto& a : data.adapters)
    adapter_tasks << QString("%1 %2")
                         .arg(a.position + 1)
                         .arg(QString::fromStdString(data.tasks.at(a.position).name));
  QAction* export_adapter = menu.addAction("Export adapter…", [this, id, adapter_tasks] {
    bool ok = false;
    const QString choice = QInputDialog::getItem(this, "Export adapter",
                                                 "Adapter of task:", adapter_tasks, 0, false, &ok);
    if (!ok) return;
    const QString folder = QFileDialog::getExistingDirectory(this, "Write the PEFT folder to");
    if (!folder.isEmpty()) exportAdapter(id, choice.section(' ', 0, 0).toInt() - 1, folder);
  });
  export_adapter->setEnabled(!adapter_tasks.isEmpty());
  menu.addSeparator();
  menu.addAction("Add tag…",
                 [this, id] { addTag(id, QInputDialog::getText(this, "Add tag", "Tag:")); });
  menu.addAction("Add note…", [this, id] {
    addNote(id, QInputDialog::getMultiLineText(this, "Add note", "Note:"));
  });
  menu.addSeparator();
  menu.addAction("Delete run…", [this, id] {
    if (QMessageBox::question(this, "Delete run",
                              QString("Delete run %1 and everything recorded for it?").arg(id)) ==
        QMessageBox::Yes) {
      deleteRun(id);
    }
  });
  menu.exec(runs_view_->viewport()->mapToGlobal(pos));
}

void MainWindow::onJobEvent(int, const QJsonObject& event) {
  const QString type = event.value("type").toString();
  if (!event.contains("run") || event.value("run").isNull()) return;
  const int64_t run = event.value("run").toInteger();
  RunTrace& trace = live_[run];
  apply_event(trace, event);
  if (type == "run_started") {
    refreshRuns();
    if (follow_live_) shown_ = run;
  }
  if (run == shown_) {
    trace_ = trace;
    plots_->setTrace(trace_);
  }
  if (type == "progress") {
    progress_->setValue(static_cast<int>(1000 * trace.progress));
    status_label_->setText(QString("%1 — stage %2 — %3 tok/s — ETA %4")
                               .arg(trace.label)
                               .arg(event.value("stage").toInt())
                               .arg(static_cast<int>(trace.tokens_per_s))
                               .arg(trace.eta_s ? eta_text(*trace.eta_s) : "–"));
  }
  if (type == "run_finished" || type == "run_cancelled" || type == "run_failed" ||
      type == "stage_finished") {
    refreshRuns();
  }
  if (type == "run_finished" || type == "run_cancelled" || type == "run_failed") {
    live_.remove(run);
  }
}

void MainWindow::onJobFinished(int, int exit_code, const QString& message) {
  refreshRuns();
  if (exit_code != 0 && exit_code != 130 && !message.isEmpty()) {
    // The engine's own sentence says what to fix; the GUI keeps running.
    QMessageBox::warning(this, "The engine stopped", message);
  }
  updateStatus();
}

void MainWindow::updateStatus() {
  const int running = queue_->runningCount(), queued = queue_->queuedCount();
  cancel_action_->setEnabled(running + queued > 0);
  run_action_->setEnabled(true);
  if (running + queued == 0) {
    progress_->setValue(0);
    status_label_->setText(experiment_path_.isEmpty() ? "Open an experiment (Ctrl+O)"
                                                      : "Ready — Ctrl+R runs the experiment");
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (queue_->runningCount() > 0 &&
      QMessageBox::question(this, "Quit", "Runs are in progress. Cancel them and quit?") !=
          QMessageBox::Yes) {
    event->ignore();
    return;
  }
  queue_->cancelAll();
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/splitter", splitter_->saveState());
  settings.setValue("window/left", left_->saveState());
  event->accept();
}

}  // namespace sy::ui
