// The main window. Live events are folded into per-run traces (LiveTraces); the plots follow the
// shown live run's trace and redraw it at most once per frame (RunPlots' FrameCoalescer), so a
// fast event stream never stalls the event loop.
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QToolBar>
#include <QTreeView>
#include <QUrl>
#include <QVBoxLayout>

#include <functional>

#include "engine/cl/strategy_traits.h"
#include "engine/util/resources.h"
#include "storage/run_duration.h"
#include "storage/run_format.h"
#include "ui/compare_view.h"
#include "ui/engine_process.h"
#include "ui/error_style.h"
#include "ui/experiment_designer.h"
#include "ui/experiment_draft.h"
#include "ui/key_bindings.h"
#include "ui/loss_plot.h"
#include "ui/matrix_heatmap.h"
#include "ui/playground.h"
#include "ui/retention_plot.h"
#include "ui/run_list_model.h"
#include "ui/run_list_panel.h"
#include "ui/run_notes.h"
#include "ui/run_plots.h"
#include "ui/run_queue.h"
#include "ui/slurm_dialog.h"
#include "ui/slurm_submission.h"

namespace sy::ui {
namespace {

// A folder to export into, starting where the last export went (the home folder at first),
// not in the directory the app was started from.
QString chooseExportFolder(QWidget* parent, const QString& title) {
  QSettings settings;
  const QString start = settings.value("exportFolder", QDir::homePath()).toString();
  const QString folder = QFileDialog::getExistingDirectory(parent, title, start);
  if (!folder.isEmpty()) settings.setValue("exportFolder", folder);
  return folder;
}

// A run label as part of a file name: what is not a letter, digit, '.', '_' or '-' becomes '-'
// ("switchcit-0.01%" → "switchcit-0.01-", as docs/screenshots.sh names its pictures).
QString file_name_part(const QString& label) {
  QString part = label;
  for (QChar& c : part)
    if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != '.' && c != '_' && c != '-') c = '-';
  return part;
}

// One item of `items` chosen in a modal dialog. QInputDialog::getItem sizes its dialog to the
// combo box, which cut the title ("Export adap…") in the 1920 walk: this one shows it.
QString chooseItem(QWidget* parent, const QString& title, const QString& label,
                   const QStringList& items, bool* ok) {
  QInputDialog dialog(parent);
  dialog.setWindowTitle(title);
  dialog.setLabelText(label);
  dialog.setComboBoxItems(items);
  dialog.setComboBoxEditable(false);
  dialog.setMinimumWidth(std::max(360, dialog.fontMetrics().horizontalAdvance(title) + 200));
  *ok = dialog.exec() == QDialog::Accepted;
  return *ok ? dialog.textValue() : QString();
}

// Time left as the CLI's progress line writes it (storage/run_format.h).
QString eta_text(double seconds) {
  return QString::fromStdString(store::format_eta(seconds));
}

// The user guide: installed beside the engine's docs, else in the source tree built from.
QString user_guide_path() {
  const QString installed =
      QCoreApplication::applicationDirPath() + "/../share/doc/switchyard-engine/gui.md";
  if (QFileInfo::exists(installed)) return QFileInfo(installed).absoluteFilePath();
  return QFileInfo(QString::fromStdString(resource_path("../docs/gui.md"))).absoluteFilePath();
}

// "run 7 · switchcit": how every message names a run.
QString run_name(const RunTrace& trace, int64_t run) {
  const QString label = trace.label.isEmpty() ? trace.strategy : trace.label;
  return label.isEmpty() ? QString("run %1").arg(run) : QString("run %1 · %2").arg(run).arg(label);
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
  setGroupSeeds(settings.value("window/groupSeeds", false).toBool());
  // The size it was closed with; the first time, one where the queue's columns and rows fit.
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1400, 860);
  run_list_->view()->header()->restoreState(settings.value("window/runColumns").toByteArray());
  queue_view_->horizontalHeader()->restoreState(
      settings.value("window/queueColumns").toByteArray());
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
  buildHelpMenu();
  // Every tooltip names its shortcut, read from the action itself (the one source).
  for (QAction* action : findChildren<QAction*>()) {
    if (action->shortcut().isEmpty()) continue;
    const QString key = action->shortcut().toString(QKeySequence::NativeText);
    QString tip = action->toolTip();
    tip.remove(QRegularExpression(" \\(Ctrl[^)]*\\)$"));
    if (!tip.contains(key)) action->setToolTip(tip + " (" + key + ")");
  }
  if (QSystemTrayIcon::isSystemTrayAvailable()) {
    tray_ = new QSystemTrayIcon(windowIcon(), this);
    tray_->show();
  }
  updateStatus();
  updateTitle();
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
  auto save_as_dialog = [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, "Save experiment",
        experiment_path_.isEmpty() ? newExperimentPath() : experiment_path_,
        "Experiments (*.json)");
    if (!path.isEmpty()) saveExperiment(path);
  };
  // A new experiment asks where it goes, as Save As does: saving it silently into the data
  // folder would overwrite an earlier one of the same name.
  QAction* save = file->addAction("&Save experiment", this, [this, save_as_dialog] {
    if (experiment_path_.isEmpty())
      save_as_dialog();
    else
      saveExperiment();
  });
  save->setShortcut(QKeySequence::Save);
  QAction* save_as = file->addAction("Save experiment &as…", this, save_as_dialog);
  // Spelled out: QKeySequence::SaveAs has no key on some desktops (GNOME, the offscreen one).
  save_as->setShortcut(QKeySequence("Ctrl+Shift+S"));
  file->addSeparator();
  QAction* export_plots = file->addAction("&Export plots…", this, [this] {
    const QString folder = chooseExportFolder(this, "Export the run's plots to");
    if (!folder.isEmpty() && !exportPlots(folder)) {
      QMessageBox::warning(this, "Export", "Could not write every plot to " + folder);
    }
  });
  export_plots->setShortcut(QKeySequence("Ctrl+E"));
  export_plots->setToolTip("Export the shown run's plots as PNG and PDF");
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
  // A run action of its own, beside Run: nothing to remember, nothing that starts nothing.
  quick_action_ = run->addAction("Run &quick", this, &MainWindow::runQuickExperiment);
  quick_action_->setShortcut(QKeySequence("Ctrl+Shift+K"));
  quick_action_->setToolTip("Run the experiment as a quick check: a few steps per stage");
  run_action_->setToolTip("Run the experiment with its full budgets");
  QAction* compare = run->addAction("C&ompare selected runs", this, [this] {
    if (!compareRuns()) {
      QMessageBox::information(this, "Compare", "Select two or more runs in the run list.");
    }
  });
  compare->setShortcut(QKeySequence("Ctrl+Shift+C"));
  QAction* refresh = run->addAction("Re&fresh run list", this, &MainWindow::refreshRuns);
  refresh->setShortcut(QKeySequence("F5"));
  group_seeds_action_ = run->addAction("&Group seeds");
  group_seeds_action_->setCheckable(true);
  group_seeds_action_->setShortcut(QKeySequence("Ctrl+G"));
  group_seeds_action_->setToolTip(
      "One row per setting: runs that differ only by seed folded together, with n and the mean "
      "(min–max) AP. Select a group to compare its runs (Ctrl+Shift+C).");
  connect(group_seeds_action_, &QAction::toggled, this, &MainWindow::setGroupSeeds);
  run->addSeparator();
  QAction* find = run->addAction("&Find runs", this, [this] {
    run_list_->filter()->setFocus(Qt::ShortcutFocusReason);
    run_list_->filter()->selectAll();
  });
  find->setShortcut(QKeySequence("Ctrl+F"));

  // The tabs by number, and in turn; window-wide, wherever the focus is.
  QMenu* view = menuBar()->addMenu("&View");
  const QStringList tab_names = {"&Run", "&Compare", "&Experiment", "&Ask"};  // buildLayout's order
  for (int i = 0; i < tab_names.size(); ++i) {
    QAction* tab = view->addAction(tab_names[i] + " tab", this, [this, i] {
      if (i < tabs_->count()) tabs_->setCurrentIndex(i);
    });
    tab->setShortcut(QKeySequence(QString("Ctrl+%1").arg(i + 1)));
  }
  QAction* next_tab = view->addAction("&Next tab", this, [this] {
    tabs_->setCurrentIndex((tabs_->currentIndex() + 1) % tabs_->count());
  });
  next_tab->setShortcut(QKeySequence("Ctrl+Tab"));
  QAction* previous_tab = view->addAction("&Previous tab", this, [this] {
    tabs_->setCurrentIndex((tabs_->currentIndex() + tabs_->count() - 1) % tabs_->count());
  });
  previous_tab->setShortcut(QKeySequence("Ctrl+Shift+Tab"));

  QToolBar* bar = addToolBar("Main");
  bar->setObjectName("main-toolbar");
  bar->addAction(open);
  bar->addAction(run_action_);
  bar->addAction(quick_action_);
  bar->addAction(slurm_action_);
  bar->addAction(cancel_action_);
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
  queue_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  queue_view_->horizontalHeader()->setSectionResizeMode(RunQueueModel::Message,
                                                        QHeaderView::Stretch);
  queue_view_->verticalHeader()->setDefaultSectionSize(queue_view_->fontMetrics().height() + 8);
  queue_view_->setMinimumHeight(queue_view_->horizontalHeader()->sizeHint().height() +
                                3 * queue_view_->verticalHeader()->defaultSectionSize() +
                                2 * queue_view_->frameWidth() + 4);

  experiment_label_ = new QLabel("No experiment open (Ctrl+O)");
  experiment_label_->setWordWrap(true);

  auto* runs_box = new QWidget;
  auto* runs_layout = new QVBoxLayout(runs_box);
  runs_layout->setContentsMargins(0, 0, 0, 0);
  store_problem_label_ = new QLabel;
  store_problem_label_->setObjectName("storeProblem");
  store_problem_label_->setWordWrap(true);
  store_problem_label_->setStyleSheet(QString::fromLatin1(kErrorTextStyle) + "; font-weight: bold");
  store_problem_label_->hide();
  runs_layout->addWidget(experiment_label_);
  runs_layout->addWidget(store_problem_label_);
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
  left_->setSizes({430, 200, 170});

  plots_ = new RunPlots;
  compare_ = new CompareView;
  designer_ = new ExperimentDesigner;
  connect(designer_, &ExperimentDesigner::changed, this, [this] {
    // Unsaved only while the draft differs from the file: an edit undone by hand is no change.
    designer_modified_ = designer_->draft().isModified();
    setWindowModified(designer_modified_);
    updateStatus();
  });
  // The form's problems are named in the status bar too once the engine's schema shows them.
  connect(designer_, &ExperimentDesigner::schemaKnown, this, &MainWindow::updateStatus);
  connect(&designer_->draft(), &ExperimentDraft::fileChecked, this,
          &MainWindow::showExperimentVerdict);
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
    const int row = runs_->rowOf(shown);
    if (tabs_->currentWidget() == playground_ && row >= 0 && runs_->quick(row)) {
      statusBar()->showMessage(QString("Run %1 is a quick check (a few steps per stage): its "
                                       "answers say little about the strategy.")
                                   .arg(shown));
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
}

void MainWindow::openDatabase(const QString& path) {
  try {
    store_.emplace(store::Store::open(path.toStdString()));
    store_->mark_interrupted_runs();
  } catch (const std::exception& e) {
    setStoreProblem(QString::fromUtf8(e.what()));
    QMessageBox::warning(this, "Cannot open the database", QString::fromUtf8(e.what()));
    return;
  }
  QSettings().setValue("database", path);
  playground_->setDatabase(path);
  updateTitle();
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
  const bool loaded = designer_->load(experiment_path_, &designer_error);
  designer_modified_ = false;
  updateTitle();
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
  experiment_problem_ = loaded ? QString() : QFileInfo(path).fileName() + ": " + designer_error;
  if (!loaded) {
    // Said where the user looks; nothing runs it.
    status_label_->setText(experiment_problem_);
    statusBar()->showMessage(status_label_->text());
    return false;
  }
  return true;
}

void MainWindow::setQuick(bool quick) {
  quick_ = quick;
}

bool MainWindow::readyToRun(const QString& what) {
  if (!store_) return false;
  if (!experiment_problem_.isEmpty()) {
    QMessageBox::warning(this, what, "Fix the experiment file first:\n" + experiment_problem_);
    return false;
  }
  const QString name = QFileInfo(experiment_path_).fileName();
  // An unchanged file runs as it is even before the form knows the schema (the engine judges
  // it then); a draft to be written needs the form's checks.
  const bool unchanged = !designer_modified_ && !experiment_path_.isEmpty();
  if (!unchanged && !designer_->isSchemaKnown() && designer_->draft().schemaError().isEmpty()) {
    status_label_->setText("The form is still asking the engine for the experiment's settings");
    return false;
  }
  if (designer_->isSchemaKnown() && !designer_->isValid()) {
    // Nothing runs with a value the form has flagged.
    tabs_->setCurrentWidget(designer_page_);
    status_label_->setText(name + ": " + designer_->problems().first());
    QMessageBox::warning(this, what,
                         "Fix the flagged settings first:\n" + designer_->problems().join("\n"));
    return false;
  }
  run_path_ = experiment_path_;
  if (experiment_path_.isEmpty()) {
    // A new experiment is saved first (into the data folder, named after it).
    if (!saveExperiment()) return false;
    run_path_ = experiment_path_;
    return true;
  }
  if (unchanged) {
    // The file as it is on disk, never rewritten; if the engine refused it, it says why again.
    const QString refused = designer_->draft().fileError();
    if (!refused.isEmpty()) {
      tabs_->setCurrentWidget(designer_page_);
      status_label_->setText(refused);
      QMessageBox::warning(this, what, "The engine refuses the file:\n" + refused);
      return false;
    }
    return true;
  }
  QMessageBox ask(QMessageBox::Question, what,
                  name + " has changes in the form that are not saved.", QMessageBox::NoButton,
                  this);
  ask.setInformativeText(
      "Save them into the file and run it, or run them without touching the "
      "file (from a copy in the app's data folder)?");
  QPushButton* save = ask.addButton("Save and run", QMessageBox::AcceptRole);
  QPushButton* copy = ask.addButton("Run without saving", QMessageBox::DestructiveRole);
  ask.addButton(QMessageBox::Cancel);
  ask.setDefaultButton(save);
  ask.exec();
  if (ask.clickedButton() == save) return saveExperiment();
  if (ask.clickedButton() != copy) return false;
  // Same file name: the run keys (NAME/LABEL/seedN) are those the file would give.
  run_path_ =
      QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/unsaved/" + name;
  QString error;
  if (!designer_->draft().saveCopy(run_path_, &error)) {
    QMessageBox::warning(this, what, error);
    return false;
  }
  return true;
}

void MainWindow::showExperimentVerdict(const QString& error) {
  // Marked where the user looks: the Experiment tab (icon and tooltip) and the status bar.
  const int tab = tabs_->indexOf(designer_page_);
  tabs_->setTabIcon(
      tab, error.isEmpty() ? QIcon() : style()->standardIcon(QStyle::SP_MessageBoxWarning));
  tabs_->setTabToolTip(tab, error);
  if (!error.isEmpty()) {
    statusBar()->showMessage(error);
  } else if (statusBar()->currentMessage().startsWith("error: ")) {
    statusBar()->clearMessage();
  }
}

void MainWindow::runExperiment() {
  startRun(quick_);
}

void MainWindow::runQuickExperiment() {
  startRun(true);
}

void MainWindow::startRun(bool quick) {
  if (!readyToRun(quick ? "Run quick" : "Run")) return;
  RunJob job;
  job.title = QFileInfo(experiment_path_).baseName() + (quick ? " (quick)" : "");
  job.arguments = {"run", run_path_, "--events", "--db", databasePath()};
  if (quick) job.arguments << "--quick";
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
                   plan_arguments(run_path_, plan_dir, quick_, settings), plan_dir);
  return true;
}

void MainWindow::askSlurmSubmission() {
  const std::optional<SlurmRequest> request =
      ask_slurm_submission(this, default_plan_dir(experiment_path_), quick_);
  if (request) submitToSlurm(request->settings, request->plan_dir);
}

void MainWindow::cancelRuns() {
  queue_->cancelAll();
}

void MainWindow::refreshRuns() {
  if (!store_) return;
  try {
    run_list_->refresh(*store_);
    if (!store_problem_.isEmpty()) setStoreProblem({});
  } catch (const std::exception& e) {
    setStoreProblem(QString::fromUtf8(e.what()));
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

void MainWindow::followShownRun() {
  const int64_t run = live_.shown();
  plots_->followTrace([this, run] { return live_.live(run); });
}

void MainWindow::showRun(int64_t run_id) {
  if (live_.isLive(run_id)) {
    live_.show(run_id);
    followShownRun();
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
  const int64_t id = live_.shown();
  const QString base = folder + QString("/run%1-").arg(id) +
                       (trace.label.isEmpty() ? QString() : file_name_part(trace.label) + "-");
  if (id <= 0) {
    notify("No run shown: select a run in the list, then export its plots");
    return false;
  }
  bool ok = true;
  // A run that trained nothing of its own (switchcit over oracle's experts) has no curve: an
  // empty plot in the folder would say otherwise.
  const bool has_loss = !trace.points.isEmpty();
  if (has_loss) {
    ok &= plots_->lossPlot()->exportPng(base + "loss.png");
    ok &= plots_->lossPlot()->exportPdf(base + "loss.pdf");
  }
  ok &= plots_->retentionPlot()->exportPng(base + "scores-by-stage.png");
  ok &= plots_->retentionPlot()->exportPdf(base + "scores-by-stage.pdf");
  ok &= plots_->scoreHeatmap()->exportPng(base + "score-matrix.png");
  ok &= plots_->scoreHeatmap()->exportPdf(base + "score-matrix.pdf");
  if (!trace.confusions.isEmpty()) {
    ok &= plots_->confusionHeatmap()->exportPng(base + "router-confusion.png");
    ok &= plots_->confusionHeatmap()->exportPdf(base + "router-confusion.pdf");
  }
  if (ok) {
    notify(
        QString("Plots of run %1 written to %2%3")
            .arg(id)
            .arg(folder, has_loss ? QString() : " (no loss plot: it trained no steps of its own)"));
  }
  return ok;
}

bool MainWindow::saveExperiment(QString path) {
  if (path.isEmpty()) path = experiment_path_;
  if (path.isEmpty()) path = newExperimentPath();
  if (QFileInfo(path).suffix().compare("json", Qt::CaseInsensitive) != 0) path += ".json";
  QString error;
  if (!designer_->save(path, &error)) {
    QMessageBox::warning(this, "Save experiment", error);
    return false;
  }
  designer_modified_ = false;
  if (!openExperiment(path)) return false;
  // Until the engine's verdict on the saved file (showExperimentVerdict) says otherwise.
  statusBar()->showMessage("Experiment saved to " + QDir::toNativeSeparators(path), 8000);
  return true;
}

QString MainWindow::newExperimentPath() {
  // A new experiment lives in the data folder, named after it.
  const QString folder =
      QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/experiments";
  QDir().mkpath(folder);
  QString name = designer_->toJson().value("name").toString();
  if (name.isEmpty()) name = "experiment";
  return folder + "/" + name + ".json";
}

void MainWindow::updateTitle() {
  setWindowFilePath(experiment_path_);
  setWindowModified(designer_modified_);
  const QString experiment = experiment_path_.isEmpty() ? QString("no experiment")
                                                        : QFileInfo(experiment_path_).fileName();
  const QString db = store_ ? QFileInfo(databasePath()).fileName() : QString("no database");
  setWindowTitle(QString("%1[*] — %2 — Switchyard").arg(experiment, db));
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

bool MainWindow::continueExperiment(int64_t experiment_id) {
  if (!store_) return false;
  RunJob job;
  job.title = QString("continue experiment %1").arg(experiment_id);
  job.arguments = {"resume",   "--experiment", QString::number(experiment_id),
                   "--events", "--db",         databasePath()};
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
          [this, process, folder, run_id](int code, const QString& message) {
            notify(code == 0 ? QString("Adapter of run %1 written to %2").arg(run_id).arg(folder)
                             : message);
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

QStringList MainWindow::tasksToAdd(int64_t run_id) {
  QStringList tasks = designer_->builtinTasks();
  if (!store_) return tasks;
  try {
    for (const auto& task : store_->load_run(run_id).tasks)
      tasks.removeAll(QString::fromStdString(task.name));
  } catch (const std::exception&) {
    // Deleted meanwhile: the menu that asks is about to be stale anyway.
  }
  return tasks;
}

QString MainWindow::shortcutsText() const {
  const auto keys_text = [](const QList<QKeySequence>& keys) {
    QStringList texts;
    for (const QKeySequence& key : keys) texts << key.toString(QKeySequence::NativeText);
    return texts.join(" / ");
  };
  QStringList lines;
  for (QAction* action : findChildren<QAction*>()) {
    if (action->shortcuts().isEmpty()) continue;
    QString name = action->text();
    name.remove('&');
    name.remove(QString("…"));
    lines << keys_text(action->shortcuts()) + '\t' + name;
  }
  for (const KeyBindingInfo& binding : key_bindings())
    lines << keys_text(binding.keys) + '\t' + binding.where + ": " + binding.what;
  return lines.join('\n');
}

void MainWindow::buildHelpMenu() {
  QMenu* help = menuBar()->addMenu("&Help");
  QAction* keys = help->addAction("&Keyboard shortcuts", this, [this] {
    QDialog dialog(this);
    dialog.setWindowTitle("Keyboard shortcuts");
    auto* layout = new QVBoxLayout(&dialog);
    auto* text = new QTextBrowser;
    QString html = "<table cellpadding=3>";
    for (const QString& line : shortcutsText().split('\n', Qt::SkipEmptyParts))
      html += "<tr><td><b>" + line.section('\t', 0, 0).toHtmlEscaped() + "</b></td><td>" +
              line.section('\t', 1).toHtmlEscaped() + "</td></tr>";
    text->setHtml(html + "</table>");
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(480, 560);
    dialog.exec();
  });
  keys->setShortcut(QKeySequence("F1"));
  help->addAction("&User guide", this,
                  [] { QDesktopServices::openUrl(QUrl::fromLocalFile(user_guide_path())); });
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
  // Runs that never started are in no row: the experiment is what can be continued. Whether
  // any are missing is the engine's to say (it knows the plan); a finished one answers so.
  menu.setToolTipsVisible(true);
  const int64_t experiment = data.run.experiment_id;
  QAction* continue_experiment = menu.addAction(
      "Continue the experiment", [this, experiment] { continueExperiment(experiment); });
  continue_experiment->setToolTip(
      "Resume its unfinished runs and run the strategies and seeds that never started");
  continue_experiment->setEnabled(status != RunStatus::Running);
  const QStringList addable = tasksToAdd(id);
  QAction* extend = menu.addAction("Add a task…", [this, id, addable] {
    bool ok = false;
    const QString task = chooseItem(this, "Add a task", "Built-in task to add:", addable, &ok);
    if (ok) extendRun(id, task);
  });
  const StrategyTraits* traits = find_strategy_traits(data.run.strategy);
  extend->setEnabled(status == RunStatus::Finished && traits != nullptr && traits->can_extend &&
                     !addable.isEmpty());
  QStringList adapter_tasks;
  for (const auto& a : data.adapters)
    adapter_tasks << QString("%1 %2")
                         .arg(a.position + 1)
                         .arg(QString::fromStdString(data.tasks.at(a.position).name));
  QAction* export_adapter = menu.addAction("Export adapter…", [this, id, adapter_tasks] {
    bool ok = false;
    const QString choice =
        chooseItem(this, "Export adapter", "Adapter of task:", adapter_tasks, &ok);
    if (!ok) return;
    const QString folder = chooseExportFolder(this, "Write the PEFT folder to");
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
  // A resumed or extended run continues what the store holds: its live trace starts from there,
  // so the earlier stages' rows and loss curve stay drawn while the new stage trains.
  if (store_ && event.value("type").toString() == "run_started" &&
      event.value("first_stage").toInt(1) > 1) {
    const int64_t run = event.value("run").toInteger();
    if (run > 0 && !live_.isLive(run)) {
      try {
        live_.continueFrom(run,
                           trace_from_store(store_->load_run(run), store_->load_train_points(run)));
      } catch (const std::exception&) {
        // Not stored (yet): it starts from its events alone.
      }
    }
  }
  const std::optional<LiveTraces::Update> update = live_.apply(event);
  if (!update) return;
  const QString& type = update->type;
  if (type == "run_started") {
    refreshRuns();
    if (update->shown_changed) {
      followShownRun();
      showNotes();
      // One current run: the list's highlight follows the plots (a plan's unstored runs have no
      // row yet).
      if (update->run > 0) run_list_->selectRuns({update->run});
    }
  }
  if (update->shown && !update->ended) plots_->traceChanged();
  if (type == "progress") {
    const RunTrace& trace = *live_.live(update->run);
    progress_->setValue(static_cast<int>(1000 * trace.progress));
    status_label_->setText(QString("%1 — stage %2 — %3 tok/s — ETA %4")
                               .arg(run_name(trace, update->run))
                               .arg(event.value("stage").toInt())
                               .arg(static_cast<int>(trace.tokens_per_s))
                               .arg(trace.eta_s ? eta_text(*trace.eta_s) : "–"));
  }
  if (update->ended || type == "stage_finished") refreshRuns();
  if (update->ended) {
    const RunTrace& ended = update->shown ? live_.shownTrace() : RunTrace();
    QString text =
        (update->shown ? run_name(ended, update->run) : QString("run %1").arg(update->run)) + " " +
        QString(type).remove("run_");
    const int row = runs_->rowOf(update->run);
    std::optional<int64_t> took;
    if (row >= 0) {
      took = store::run_duration_ms(runs_->record(row), QDateTime::currentMSecsSinceEpoch());
      if (took) text += " after " + RunListModel::durationText(*took);
      if (runs_->quick(row)) text += " (quick)";
    }
    if (type == "run_failed" || type == "run_cancelled") {
      const QString reason = event.value("reason").toString();
      if (!reason.isEmpty()) text += ": " + reason;
    }
    notify(text, took && *took >= 60'000);
    // The shown run as stored: the truth, whatever the events left out (an extended run's
    // earlier stages); read again when its engine has exited.
    if (update->shown) showEndedRun(update->run);
  }
}

void MainWindow::onJobFinished(int, int exit_code, const QString& message) {
  refreshRuns();
  // Everything the engine wrote is committed now: the shown run as the store has it.
  const int64_t shown = live_.shown();
  if (shown > 0 && !live_.isLive(shown)) showEndedRun(shown);
  if (exit_code != 0 && exit_code != 130 && !message.isEmpty()) {
    // The engine's own sentence says what to fix; the GUI keeps running.
    QMessageBox::warning(this, "The engine stopped", message);
  }
  updateStatus();
}

void MainWindow::showEndedRun(int64_t run) {
  // The store's record once it says the run ended; until then (or for events no store
  // follows) the trace the events grew, as it ended.
  bool stored_end = false;
  if (store_) {
    try {
      stored_end = store_->load_run(run).run.status != store::RunStatus::Running &&
                   store_->load_run(run).run.status != store::RunStatus::Created;
    } catch (const std::exception&) {
    }
  }
  if (stored_end) {
    showRun(run);
  } else {
    plots_->setTrace(live_.shownTrace());
  }
}

void MainWindow::notify(const QString& text, bool desktop) {
  // For a while: the message hides the live run's progress line while it shows.
  statusBar()->showMessage(text, 20000);
  if (desktop && tray_ != nullptr) tray_->showMessage("Switchyard", text);
}

void MainWindow::setStoreProblem(const QString& problem) {
  store_problem_ = problem;
  store_problem_label_->setText("The database cannot be read: " + problem);
  store_problem_label_->setVisible(!problem.isEmpty());
  if (!problem.isEmpty()) statusBar()->showMessage("The database cannot be read: " + problem);
}

void MainWindow::updateStatus() {
  const int running = queue_->runningCount(), queued = queue_->queuedCount();
  cancel_action_->setEnabled(running + queued > 0);
  run_action_->setEnabled(true);
  // Progress of work under way only: an idle "0%" reads as a run that stalled.
  progress_->setVisible(running + queued > 0);
  if (running + queued == 0) {
    progress_->setValue(0);
    if (experiment_path_.isEmpty()) {
      status_label_->setText("Open an experiment (Ctrl+O)");
    } else if (designer_->isSchemaKnown() && !designer_->isValid()) {
      // What Run would refuse, named before it is pressed.
      status_label_->setText(QFileInfo(experiment_path_).fileName() + ": " +
                             designer_->problems().first());
    } else {
      status_label_->setText("Ready — Ctrl+R runs the experiment");
    }
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (queue_->runningCount() > 0 &&
      QMessageBox::question(this, "Quit", "Runs are in progress. Cancel them and quit?") !=
          QMessageBox::Yes) {
    event->ignore();
    return;
  }
  if (designer_modified_ && !experiment_path_.isEmpty()) {
    // The form's edits live nowhere else: closing would lose them without a word.
    QMessageBox ask(
        QMessageBox::Warning, "Quit",
        QFileInfo(experiment_path_).fileName() + " has changes in the form that are not saved.",
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    ask.setDefaultButton(QMessageBox::Save);
    const int answer = ask.exec();
    if (answer == QMessageBox::Cancel || (answer == QMessageBox::Save && !saveExperiment())) {
      event->ignore();
      return;
    }
  }
  queue_->cancelAll();
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/splitter", splitter_->saveState());
  settings.setValue("window/left", left_->saveState());
  settings.setValue("window/runColumns", run_list_->view()->header()->saveState());
  settings.setValue("window/queueColumns", queue_view_->horizontalHeader()->saveState());
  event->accept();
}

}  // namespace sy::ui
