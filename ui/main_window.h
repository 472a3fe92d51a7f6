// The main window: the run list (flat, or one row per seed group), the shown run's tags and notes
// and the run queue on the left, the shown run's plots on the right. Runs are started as
// switchyard-engine processes (RunQueue); their events update the live run's plots as they
// arrive, and finished runs are read back from the database.
#pragma once

#include <QMainWindow>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

#include "storage/store.h"
#include "ui/live_traces.h"
#include "ui/run_trace.h"

class QAbstractItemModel;
class QAction;
class QItemSelectionModel;
class QLabel;
class QModelIndex;
class QProgressBar;
class QScrollArea;
class QSplitter;
class QSystemTrayIcon;
class QTableView;
class QTabWidget;

namespace sy::ui {

class CompareView;
class ExperimentDesigner;
class Playground;
class RunListModel;
class RunListPanel;
class RunPlots;
class RunNotes;
class RunQueue;
class RunQueueModel;
struct SlurmSettings;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // Opens (or creates) the database at `db_path`; an empty path means the last one used, else
  // the default store.
  explicit MainWindow(const QString& db_path = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Picks the experiment file that Run starts; false (with a message box unless quiet) if it
  // cannot be read.
  bool openExperiment(const QString& path);
  // Whether Run (Ctrl+R) starts quick checks (--quick); Run quick always does.
  void setQuick(bool quick);
  QString databasePath() const;

  RunQueue& queue() { return *queue_; }
  RunPlots& plots() { return *plots_; }
  RunListModel& runs() { return *runs_; }
  // The run list as the view shows it (sorted, filtered, grouped or not) and its selection.
  QAbstractItemModel* runList() const;
  QItemSelectionModel* runSelection() const;
  bool groupSeeds() const;
  RunNotes& notes() { return *notes_; }
  CompareView& compare() { return *compare_; }
  ExperimentDesigner& designer() { return *designer_; }
  Playground& playground() { return *playground_; }
  QTabWidget& tabs() { return *tabs_; }
  // The run the plots show (0: none), and its trace as drawn (as grown so far for a live run).
  int64_t shownRun() const { return live_.shown(); }
  const RunTrace& shownTrace() const;
  // The built-in tasks "Add a task…" offers for this run: those it does not have yet.
  QStringList tasksToAdd(int64_t run_id);
  // Every key the app answers to, one per line ("Ctrl+R\tRun experiment"): what Help ▸ Keyboard
  // shortcuts shows. The menu actions' keys are read from the actions themselves, the others
  // (Ask's Ctrl+Return, the notes' Return and Delete, the plot's Home) from key_bindings.h, the
  // table the widgets that answer them are built from.
  QString shortcutsText() const;
  // Why the database cannot be read (a damaged file), as the window shows it; empty when fine.
  QString storeProblem() const { return store_problem_; }

 public Q_SLOTS:
  void runExperiment();
  void runQuickExperiment();  // a quick check: a few steps per stage
  // Splits the experiment into a plan (in `plan_dir`, a fresh folder beside it when empty),
  // submits it with its submit.sh and queues a job that follows it, drawing its runs live and
  // storing them when every unit is complete (docs/gui.md). False (with the reason in a message
  // box) when the experiment is not ready; submission errors arrive later, the same way.
  bool submitToSlurm(const SlurmSettings& settings, QString plan_dir = {});
  void cancelRuns();
  void refreshRuns();
  void showRun(int64_t run_id);
  // Shows the given runs side by side (the selected ones when empty: a selected seed group
  // brings all its runs); false for fewer than two.
  bool compareRuns(QVector<int64_t> run_ids = {});
  // One row per seed group in the run list (SeedGroupModel), or one row per run.
  void setGroupSeeds(bool on);
  // Selects these runs' rows in the run list (opening their groups), the first one current,
  // without changing what the plots show.
  void selectRuns(const QVector<int64_t>& run_ids);
  // Writes the shown run's plots as PNG (2x) and PDF into `folder`; false if one failed.
  bool exportPlots(const QString& folder);
  // Saves the designer's experiment to `path` (the open file when empty); false on failure.
  bool saveExperiment(QString path = {});

  // What the run list's context menu does (without its dialogs): queue `resume` / `extend`
  // jobs, write an adapter folder through the engine's export-adapter, keep tags and notes
  // (also what the notes panel asks for), delete a run. Each returns false (with the reason in
  // the status bar) when it cannot.
  bool resumeRun(int64_t run_id);
  // Resumes the experiment's unfinished runs and runs its strategies and seeds that never started
  // (`resume --experiment`); the engine says so when nothing is left.
  bool continueExperiment(int64_t experiment_id);
  bool extendRun(int64_t run_id, const QString& task);
  bool exportAdapter(int64_t run_id, int position, const QString& folder);
  bool addTag(int64_t run_id, const QString& tag);
  bool removeTag(int64_t run_id, const QString& tag);
  bool addNote(int64_t run_id, const QString& text);
  bool deleteNote(int64_t note_id);
  bool deleteRun(int64_t run_id);
  QString statusText() const;

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildActions();
  void buildHelpMenu();
  void startRun(bool quick);
  // Says that something ended or was written: in the status bar, and as a desktop notification
  // where a system tray exists and `desktop` is set (a long run ended).
  void notify(const QString& text, bool desktop = false);
  // Where a new experiment is saved by default: the data folder, named after the experiment.
  QString newExperimentPath();
  // The title bar: the experiment file, "[*]" for unsaved changes, the database.
  void updateTitle();
  void setStoreProblem(const QString& problem);
  // Shows a run whose engine ended it: as stored when the store has recorded its end.
  void showEndedRun(int64_t run);
  // Valid, and the file to run chosen (run_path_): the file as it is when the form has not
  // changed it; with unsaved changes, the file saved or a copy in the data folder, as the user
  // answers. False after telling the user why.
  bool readyToRun(const QString& what);
  // The engine's verdict on the experiment file as saved: its error line on the Experiment tab
  // and in the status bar, or the mark taken away.
  void showExperimentVerdict(const QString& error);
  // The Submit to Slurm dialog; submits when the user agrees.
  void askSlurmSubmission();
  void buildLayout();
  void openDatabase(const QString& path);
  void onJobEvent(int job, const QJsonObject& event);
  void onJobFinished(int job, int exit_code, const QString& message);
  void updateStatus();
  void showRunMenu(const QModelIndex& index, const QPoint& global_pos);
  bool storeCall(const std::function<void()>& call);
  // The notes panel for the shown run, from `data` or from the store.
  void showNotes();
  void showNotes(const store::RunData& data);
  // The plots follow the shown live run's trace: they read it when they draw, rather than hold
  // a copy-on-write share that every appended event would copy.
  void followShownRun();

  std::optional<store::Store> store_;
  QString experiment_path_;
  QString run_path_;  // what the next run starts: experiment_path_, or a copy of an unsaved draft
  bool quick_ = false;
  RunQueue* queue_ = nullptr;
  RunQueueModel* queue_model_ = nullptr;
  RunListModel* runs_ = nullptr;
  RunListPanel* run_list_ = nullptr;
  QAction* group_seeds_action_ = nullptr;
  RunNotes* notes_ = nullptr;
  QTableView* queue_view_ = nullptr;
  RunPlots* plots_ = nullptr;
  CompareView* compare_ = nullptr;
  ExperimentDesigner* designer_ = nullptr;
  QScrollArea* designer_page_ = nullptr;  // the Experiment tab: the designer, scrolling
  Playground* playground_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  bool designer_modified_ = false;
  QSplitter* splitter_ = nullptr;
  QSplitter* left_ = nullptr;
  QLabel* experiment_label_ = nullptr;
  QLabel* status_label_ = nullptr;
  QLabel* store_problem_label_ = nullptr;  // a damaged database, in red above the run list
  QString store_problem_;
  // Why the form could not read the open experiment file (the form shows any JSON object as it
  // is, with its problems flagged; this is a file that vanished or changed under it): nothing
  // runs it.
  QString experiment_problem_;
  QSystemTrayIcon* tray_ = nullptr;  // null where the desktop has no tray
  QProgressBar* progress_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* quick_action_ = nullptr;  // Run quick
  QAction* slurm_action_ = nullptr;

  LiveTraces live_;  // the runs in progress and the shown run
};

}  // namespace sy::ui
