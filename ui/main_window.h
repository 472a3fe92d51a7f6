// The main window: the run list and the run queue on the left, the selected run's plots on the
// right. Runs are started as switchyard-engine processes (RunQueue); their events update the live
// run's plots as they arrive, and finished runs are read back from the database.
#pragma once

#include <QMainWindow>
#include <QMap>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

#include "storage/store.h"
#include "ui/run_trace.h"

class QAction;
class QLabel;
class QProgressBar;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QLineEdit;
class QTabWidget;

namespace sy::ui {

class CompareView;
class ExperimentDesigner;
class Playground;
class RunListModel;
class RunPlots;
class RunQueue;
class RunQueueModel;

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
  void setQuick(bool quick);
  QString databasePath() const;

  RunQueue& queue() { return *queue_; }
  RunPlots& plots() { return *plots_; }
  RunListModel& runs() { return *runs_; }
  CompareView& compare() { return *compare_; }
  ExperimentDesigner& designer() { return *designer_; }
  Playground& playground() { return *playground_; }
  QTabWidget& tabs() { return *tabs_; }
  // The run the plots show (0: none), and its trace as drawn.
  int64_t shownRun() const { return shown_; }
  const RunTrace& shownTrace() const { return trace_; }

 public Q_SLOTS:
  void runExperiment();
  void cancelRuns();
  void refreshRuns();
  void showRun(int64_t run_id);
  // Shows the given runs side by side (the selected ones when empty); false for fewer than two.
  bool compareRuns(QVector<int64_t> run_ids = {});
  // Writes the shown run's plots as PNG (2x) and PDF into `folder`; false if one failed.
  bool exportPlots(const QString& folder);
  // Saves the designer's experiment to `path` (the open file when empty); false on failure.
  bool saveExperiment(QString path = {});

  // What the run list's context menu does (without its dialogs): queue `resume` / `extend`
  // jobs, write an adapter folder through the engine's export-adapter, keep tags and notes,
  // delete a run. Each returns false (with the reason in the status bar) when it cannot.
  bool resumeRun(int64_t run_id);
  bool extendRun(int64_t run_id, const QString& task);
  bool exportAdapter(int64_t run_id, int position, const QString& folder);
  bool addTag(int64_t run_id, const QString& tag);
  bool addNote(int64_t run_id, const QString& text);
  bool deleteRun(int64_t run_id);
  QString statusText() const;

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildActions();
  void buildLayout();
  void openDatabase(const QString& path);
  void onJobEvent(int job, const QJsonObject& event);
  void onJobFinished(int job, int exit_code, const QString& message);
  void updateStatus();
  void showRunMenu(const QPoint& pos);
  bool storeCall(const std::function<void()>& call);

  std::optional<store::Store> store_;
  QString experiment_path_;
  bool quick_ = false;
  RunQueue* queue_ = nullptr;
  RunQueueModel* queue_model_ = nullptr;
  RunListModel* runs_ = nullptr;
  QSortFilterProxyModel* runs_proxy_ = nullptr;
  QTableView* runs_view_ = nullptr;
  QTableView* queue_view_ = nullptr;
  QLineEdit* filter_ = nullptr;
  RunPlots* plots_ = nullptr;
  CompareView* compare_ = nullptr;
  ExperimentDesigner* designer_ = nullptr;
  Playground* playground_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  bool designer_modified_ = false;
  QSplitter* splitter_ = nullptr;
  QSplitter* left_ = nullptr;
  QLabel* experiment_label_ = nullptr;
  QLabel* status_label_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* quick_action_ = nullptr;

  QMap<int64_t, RunTrace> live_;  // runs whose engine is running, by run id
  int64_t shown_ = 0;
  bool follow_live_ = true;  // show each new live run as it starts
  RunTrace trace_;
};

}  // namespace sy::ui
