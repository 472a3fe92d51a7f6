// The main window. Live events are folded into per-run traces; the shown run's trace reaches the
// plots once per pass of the event loop and the plots coalesce their own replots, so a fast
// event stream never stalls the event loop.
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
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
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <functional>

#include "engine/util/resources.h"
#include "ui/compare_view.h"
#include "ui/engine_process.h"
#include "ui/experiment_designer.h"
#include "ui/loss_plot.h"
#include "ui/matrix_heatmap.h"
#include "ui/playground.h"
#include "ui/retention_plot.h"
#include "ui/run_list_model.h"
#include "ui/run_list_panel.h"
#include "ui/run_notes.h"
#include "ui/run_plots.h"
#include "ui/run_queue.h"
#include "ui/slurm_submission.h"

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
  live_push_.setSingleShot(true);
  live_push_.setInterval(0);
  connect(&live_push_, &QTimer::timeout, this, &MainWindow::pushLiveTrace);
  buildActions();
  buildLayout();

  QSettings settings;
  setGroupSeeds(settings.value("window/groupSeeds", false).toBool());
  restoreGeometry(settings.value("window/geometry").toByteArray());
  splitter_->restoreState(settings.value("window/splitter").toByteArray());
  left_->restoreState(settings.value("window/left").toByteArray());
  QString path = db_path;
  if (path.isEmpty()) path = settings.value("database").toString();
  if (path.isEmpty()) path = QString::fromStdString(store::default_db_path());
  openDatabase(path);
  const QString last = settings.value("experiment").toString();
  if (!last.isEmpty() && QFileInfo::exists(last)) openExperiment(last);
  // First start, no experiment to reopen: offer the shipped demo (also File > Open demo).
  if (experiment_path_.isEmpty())
    experiment_label_->setText("No experiment open (Ctrl+O) — <a href=\"demo\">Open the demo</a>");
  connect(experiment_label_, &QLabel::linkActivated, this,
          [this] { openExperiment(QString::fromStdString(demo_experiment_path())); });

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
  file->addAction("Open de&mo", this,
                  [this] { openExperiment(QString::fromStdString(demo_experiment_path())); });
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
  // Beside Run, where this machine can submit to a cluster.
  slurm_action_ = run->addAction("Submit to &Slurm…", this, [this] {
    if (readyToRun("Submit to Slurm")) askSlurmSubmission();
  });
  slurm_action_->setShortcut(QKeySequence("Ctrl+Shift+R"));
  slurm_action_->setToolTip(
      "Run the experiment's units as Slurm jobs and follow them here "
      "(Ctrl+Shift+R)");
  slurm_action_->setVisible(slurm_available());
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
  group_seeds_action_ = run->addAction("&Group seeds");
  group_seeds_action_->setCheckable(true);
  group_seeds_action_->setShortcut(QKeySequence("Ctrl+G"));
  group_seeds_action_->setToolTip(
      "One row per setting: runs that differ only by seed folded together, with n and the mean "
      "(min–max) AP. Select a group to compare its runs (Ctrl+Shift+C).");
  connect(group_seeds_action_, &QAction::toggled, this, &MainWindow::setGroupSeeds);

  QToolBar* bar = addToolBar("Main");
  bar->setObjectName("main-toolbar");
  bar->addAction(open);
  bar->addAction(run_action_);
  bar->addAction(slurm_action_);
  bar->addAction(cancel_action_);
  bar->addAction(quick_action_);
  bar->addAction(compare);
}

void MainWindow::buildLayout() {
  run_list_ = new RunListPanel(runs_, group_seeds_action_);
  connect(run_list_, &RunListPanel::runPicked, this, [this](int64_t id) {
    live_.setFollowing(false);
    showRun(id);
  });
  connect(run_list_, &RunListPanel::menuRequested, this, &MainWindow::showRunMenu);

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
  runs_layout->addWidget(run_list_);

  notes_ = new RunNotes;
  connect(notes_, &RunNotes::addTagRequested, this, &MainWindow::addTag);
  connect(notes_, &RunNotes::removeTagRequested, this, &MainWindow::removeTag);
  connect(notes_, &RunNotes::addNoteRequested, this, &MainWindow::addNote);
  connect(notes_, &RunNotes::deleteNoteRequested, this, &MainWindow::deleteNote);

  left_ = new QSplitter(Qt::Vertical);
  left_->addWidget(runs_box);
  left_->addWidget(notes_);
  left_->addWidget(queue_view_);
  left_->setStretchFactor(0, 3);
  left_->setStretchFactor(1, 1);
  left_->setStretchFactor(2, 1);
  left_->setChildrenCollapsible(false);
  left_->setSizes({460, 220, 120});

  plots_ = new RunPlots;
  compare_ = new CompareView;
  designer_ = new ExperimentDesigner;
  connect(designer_, &ExperimentDesigner::changed, this, [this] { designer_modified_ = true; });
  tabs_ = new QTabWidget;
  tabs_->addTab(plots_, "Run");
  tabs_->addTab(compare_, "Compare");
  // In a scroll area: the form is taller than a laptop screen, and the tab's minimum height
  // would otherwise be the whole window's.
  designer_page_ = new QScrollArea;
  designer_page_->setWidget(designer_);
  designer_page_->setWidgetResizable(true);
  designer_page_->setFrameShape(QFrame::NoFrame);
  tabs_->addTab(designer_page_, "Experiment");
  playground_ = new Playground;
  tabs_->addTab(playground_, "Ask");
  // The playground's engine loads a run's model: only when the tab is looked at.
  connect(tabs_, &QTabWidget::currentChanged, this, [this] {
    const int64_t shown = live_.shown();
    if (tabs_->currentWidget() == playground_ && shown != 0 && !live_.isLive(shown) &&
        playground_->run() != shown) {
      playground_->setRun(shown);
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
  refreshRuns();
  showNotes();
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

bool MainWindow::readyToRun(const QString& what) {
  if (!store_) return false;
  if (!designer_->isValid()) {
    // Nothing runs with a value the form has flagged.
    tabs_->setCurrentWidget(designer_page_);
    QMessageBox::warning(this, what,
                         "Fix the flagged settings first:\n" + designer_->problems().join("\n"));
    return false;
  }
  if (designer_modified_ || experiment_path_.isEmpty()) {
    if (!saveExperiment()) return false;
  }
  return true;
}

void MainWindow::runExperiment() {
  if (!readyToRun("Run")) return;
  RunJob job;
  job.title = QFileInfo(experiment_path_).baseName() + (quick_ ? " (quick)" : "");
  job.arguments = {"run", experiment_path_, "--events", "--db", databasePath()};
  if (quick_) job.arguments << "--quick";
  live_.setFollowing(true);
  tabs_->setCurrentWidget(plots_);
  queue_->enqueue(job);
  updateStatus();
}

bool MainWindow::submitToSlurm(const SlurmSettings& settings, QString plan_dir) {
  if (!readyToRun("Submit to Slurm")) return false;
  if (plan_dir.isEmpty()) plan_dir = default_plan_dir(experiment_path_);
  const QString title = QFileInfo(experiment_path_).baseName() + (quick_ ? " (quick)" : "");
  auto* submitter = new SlurmSubmitter(this);
  connect(submitter, &SlurmSubmitter::submitted, this,
          [this, submitter, title](const QString& dir, const QString& message) {
            submitter->deleteLater();
            statusBar()->showMessage(message + " — following it in the queue", 10000);
            live_.setFollowing(true);
            queue_->enqueue(watch_job(dir, title, databasePath()));
            updateStatus();
          });
  connect(submitter, &SlurmSubmitter::failed, this, [this, submitter](const QString& message) {
    submitter->deleteLater();
    QMessageBox::warning(this, "Submit to Slurm", message);
  });
  statusBar()->showMessage("Submitting to Slurm…");
  submitter->start(queue_->program().isEmpty() ? EngineProcess::engineProgram() : queue_->program(),
                   plan_arguments(experiment_path_, plan_dir, quick_, settings), plan_dir);
  return true;
}

void MainWindow::askSlurmSubmission() {
  QSettings stored;
  QDialog dialog(this);
  dialog.setWindowTitle("Submit to Slurm");
  auto* form = new QFormLayout(&dialog);
  auto* folder = new QLineEdit(default_plan_dir(experiment_path_));
  folder->setToolTip(
      "The plan folder: plan.json, submit.sh and every unit's bundle. The cluster's "
      "nodes must see it (a shared file system); the database stays here.");
  auto* partition = new QLineEdit(stored.value("slurm/partition").toString());
  partition->setPlaceholderText("the cluster's default");
  auto* time = new QLineEdit(stored.value("slurm/time").toString());
  time->setPlaceholderText("e.g. 30 or 2:00:00; empty: the partition's limit");
  const auto spin = [&](const char* key, int low, int fallback, const QString& zero) {
    auto* box = new QSpinBox;
    box->setRange(low, 4096);
    box->setValue(stored.value(key, fallback).toInt());
    if (!zero.isEmpty()) box->setSpecialValueText(zero);
    return box;
  };
  QSpinBox* cpus = spin("slurm/cpusPerUnit", 0, 0, "default");
  QSpinBox* gpus = spin("slurm/gpusPerUnit", 0, 0, "none");
  QSpinBox* ranks = spin("slurm/ranksPerUnit", 1, 1, "");
  ranks->setToolTip("Data-parallel processes per unit (srun tasks, c10d ranks)");
  form->addRow("Plan folder", folder);
  form->addRow("Partition", partition);
  form->addRow("Time per unit", time);
  form->addRow("CPUs per unit", cpus);
  form->addRow("GPUs per unit", gpus);
  form->addRow("Ranks per unit", ranks);
  form->addRow(new QLabel(quick_ ? "Quick: a few steps per stage, for a check."
                                 : "Full budgets (Run ▸ Quick for a check)."));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText("Submit");
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  form->addRow(buttons);
  if (dialog.exec() != QDialog::Accepted) return;
  SlurmSettings settings;
  settings.partition = partition->text().trimmed();
  settings.time = time->text().trimmed();
  settings.cpus_per_unit = cpus->value();
  settings.gpus_per_unit = gpus->value();
  settings.ranks_per_unit = ranks->value();
  stored.setValue("slurm/partition", settings.partition);
  stored.setValue("slurm/time", settings.time);
  stored.setValue("slurm/cpusPerUnit", settings.cpus_per_unit);
  stored.setValue("slurm/gpusPerUnit", settings.gpus_per_unit);
  stored.setValue("slurm/ranksPerUnit", settings.ranks_per_unit);
  submitToSlurm(settings, folder->text().trimmed());
}

void MainWindow::cancelRuns() {
  queue_->cancelAll();
}

void MainWindow::refreshRuns() {
  if (!store_) return;
  try {
    run_list_->refresh(*store_);
  } catch (const std::exception& e) {
    status_label_->setText(QString::fromUtf8(e.what()));
  }
}

QAbstractItemModel* MainWindow::runList() const {
  return run_list_->model();
}

QItemSelectionModel* MainWindow::runSelection() const {
  return run_list_->selection();
}

bool MainWindow::groupSeeds() const {
  return run_list_->groupSeeds();
}

void MainWindow::setGroupSeeds(bool on) {
  if (on != group_seeds_action_->isChecked()) {
    group_seeds_action_->setChecked(on);  // comes back here through toggled()
    return;
  }
  if (on == groupSeeds()) return;
  run_list_->setGroupSeeds(on);
  QSettings().setValue("window/groupSeeds", on);
}

void MainWindow::selectRuns(const QVector<int64_t>& run_ids) {
  run_list_->selectRuns(run_ids);
}

const RunTrace& MainWindow::shownTrace() const {
  return live_.shownTrace();
}

void MainWindow::pushLiveTrace() {
  if (const RunTrace* live = live_.live(live_.shown())) plots_->setTrace(*live);
}

void MainWindow::showRun(int64_t run_id) {
  if (live_.isLive(run_id)) {
    live_.show(run_id);
    plots_->setTrace(live_.shownTrace());
    showNotes();
  } else if (store_) {
    try {
      const store::RunData data = store_->load_run(run_id);
      live_.show(run_id, trace_from_store(data, store_->load_train_points(run_id)));
      showNotes(data);
    } catch (const std::exception& e) {
      status_label_->setText(QString::fromUtf8(e.what()));
      return;
    }
    plots_->setTrace(live_.shownTrace());
  }
  if (tabs_->currentWidget() == playground_ && !live_.isLive(run_id)) playground_->setRun(run_id);
}

void MainWindow::showNotes() {
  if (!store_ || live_.shown() == 0) {
    notes_->setRun(0, {}, {}, {});
    return;
  }
  try {
    showNotes(store_->load_run(live_.shown()));
  } catch (const std::exception&) {
    // Not recorded yet (a run_started that came before its row): nothing to show.
    notes_->setRun(0, {}, {}, {});
  }
}

void MainWindow::showNotes(const store::RunData& data) {
  const store::RunRecord& r = data.run;
  const QString label = QString::fromStdString(r.label.empty() ? r.strategy : r.label);
  notes_->setRun(r.id, QString("run %1 · %2 · seed %3").arg(r.id).arg(label).arg(r.seed), r.tags,
                 data.notes);
}

bool MainWindow::compareRuns(QVector<int64_t> run_ids) {
  if (!store_) return false;
  // A selected seed group brings all its runs; a run selected with its group counts once.
  if (run_ids.isEmpty()) run_ids = run_list_->selectedRunIds();
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
  const RunTrace& trace = shownTrace();
  const QString base = folder + "/" + (trace.label.isEmpty() ? "run" : trace.label) + "-";
  bool ok = true;
  ok &= plots_->lossPlot()->exportPng(base + "loss.png");
  ok &= plots_->lossPlot()->exportPdf(base + "loss.pdf");
  ok &= plots_->retentionPlot()->exportPng(base + "scores-by-stage.png");
  ok &= plots_->retentionPlot()->exportPdf(base + "scores-by-stage.pdf");
  ok &= plots_->scoreHeatmap()->exportPng(base + "score-matrix.png");
  ok &= plots_->scoreHeatmap()->exportPdf(base + "score-matrix.pdf");
  if (!trace.confusions.isEmpty()) {
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
  refreshRuns();  // the tags column and the filter on it
  showNotes();
  return true;
}

bool MainWindow::resumeRun(int64_t run_id) {
  if (!store_) return false;
  RunJob job;
  job.title = QString("resume run %1").arg(run_id);
  job.arguments = {"resume", QString::number(run_id), "--events", "--db", databasePath()};
  live_.setFollowing(true);
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
  live_.setFollowing(true);
  queue_->enqueue(job);
  updateStatus();
  return true;
}

bool MainWindow::exportAdapter(int64_t run_id, int position, const QString& folder) {
  if (!store_) return false;
  // The engine's export-adapter writes the PEFT folder; the window only reports how it went.
  auto* process =
      new EngineProcess({"export-adapter", QString::number(run_id), QString::number(position + 1),
                         folder, "--force", "--db", databasePath()},
                        this);
  connect(process, &EngineProcess::finished, this,
          [this, process, folder](int code, const QString& message) {
            status_label_->setText(code == 0 ? "adapter written to " + folder : message);
            process->deleteLater();
          });
  process->start();
  return true;
}

bool MainWindow::addTag(int64_t run_id, const QString& tag) {
  return !tag.trimmed().isEmpty() &&
         storeCall([&] { store_->add_tag(run_id, tag.trimmed().toStdString()); });
}

bool MainWindow::removeTag(int64_t run_id, const QString& tag) {
  return !tag.isEmpty() && storeCall([&] { store_->remove_tag(run_id, tag.toStdString()); });
}

bool MainWindow::addNote(int64_t run_id, const QString& text) {
  return !text.trimmed().isEmpty() &&
         storeCall([&] { store_->add_note(run_id, text.trimmed().toStdString()); });
}

bool MainWindow::deleteNote(int64_t note_id) {
  return storeCall([&] { store_->delete_note(note_id); });
}

bool MainWindow::deleteRun(int64_t run_id) {
  if (live_.isLive(run_id)) {
    status_label_->setText("run is still running; cancel it first");
    return false;
  }
  if (live_.shown() == run_id) live_.show(0);
  const bool ok = storeCall([&] { store_->delete_run(run_id); });
  if (live_.shown() == 0) plots_->setTrace(live_.shownTrace());
  return ok;
}

void MainWindow::showRunMenu(const QModelIndex& index, const QPoint& global_pos) {
  if (!index.isValid() || !store_) return;
  const int64_t id = index.data(RunListModel::RunIdRole).toLongLong();
  QTreeView* view = run_list_->view();
  if (id == 0) {  // a seed group
    const QVector<int64_t> ids = RunListPanel::runIdsOf(index);
    const QModelIndex first = index.siblingAtColumn(0);
    QMenu menu(this);
    menu.addAction(QString("Compare its %1 runs").arg(ids.size()),
                   [this, ids] { compareRuns(ids); });
    menu.addAction(view->isExpanded(first) ? "Collapse" : "Expand",
                   [view, first] { view->setExpanded(first, !view->isExpanded(first)); });
    menu.exec(global_pos);
    return;
  }
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
  menu.exec(global_pos);
}

void MainWindow::onJobEvent(int, const QJsonObject& event) {
  const std::optional<LiveTraces::Update> update = live_.apply(event);
  if (!update) return;
  const QString& type = update->type;
  if (type == "run_started") {
    refreshRuns();
    if (update->shown_changed) showNotes();
  }
  if (update->shown && !update->ended && !live_push_.isActive()) live_push_.start();
  if (type == "progress") {
    const RunTrace& trace = *live_.live(update->run);
    progress_->setValue(static_cast<int>(1000 * trace.progress));
    status_label_->setText(QString("%1 — stage %2 — %3 tok/s — ETA %4")
                               .arg(trace.label)
                               .arg(event.value("stage").toInt())
                               .arg(static_cast<int>(trace.tokens_per_s))
                               .arg(trace.eta_s ? eta_text(*trace.eta_s) : "–"));
  }
  if (update->ended || type == "stage_finished") refreshRuns();
  // The shown run as it ended: what shownTrace() gives from now on.
  if (update->ended && update->shown) plots_->setTrace(live_.shownTrace());
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
