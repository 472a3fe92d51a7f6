// switchyard: the desktop app. It links Qt, QCustomPlot and storage/ only; training runs in
// switchyard-engine processes that it starts and listens to.
// Usage: switchyard [--db FILE] [--run RUN] [--compare RUNS] [--tab TAB] [--group-seeds]
//                   [--start [--quick]] [--screenshot FILE [--screenshot-stage N]]
//                   [--size WxH] [--dark] [EXPERIMENT.json]
#include <QApplication>
#include <QCommandLineParser>
#include <QJsonObject>
#include <QTabWidget>
#include <QTimer>
#include <QVector>

#include <cstdio>
#include <memory>

#include "ui/experiment_designer.h"
#include "ui/experiment_draft.h"
#include "ui/main_window.h"
#include "ui/plot_palette.h"
#include "ui/run_plots.h"
#include "ui/run_queue.h"

namespace {

// Saves the window once a live run is halfway through stage `stage`, then cancels the runs and
// quits (0 when the picture was saved). For the user guide: a run in progress, mid-stage, with
// the earlier stages' scores already drawn.
void screenshot_live(sy::ui::MainWindow& window, int stage, const QString& path) {
  const auto taken = std::make_shared<bool>(false);
  QObject::connect(&window.queue(), &sy::ui::RunQueue::jobEvent, &window,
                   [&window, stage, path, taken](int, const QJsonObject& event) {
                     if (*taken || event.value("type").toString() != QLatin1String("train_step") ||
                         event.value("stage").toInt() != stage ||
                         2 * event.value("step").toInt() < event.value("steps").toInt())
                       return;
                     *taken = true;
                     // Long enough for the plots' coalesced redraw and its queued replot.
                     QTimer::singleShot(8 * sy::ui::RunPlots::kRefreshMs, &window, [&window, path] {
                       const bool saved = window.grab().save(path);
                       if (!saved) std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
                       QObject::connect(&window.queue(), &sy::ui::RunQueue::idle, &window,
                                        [saved] { QApplication::exit(saved ? 0 : 1); });
                       window.cancelRuns();
                     });
                   });
  QObject::connect(&window.queue(), &sy::ui::RunQueue::jobFinished, &window,
                   [taken, stage](int, int, const QString& message) {
                     if (*taken) return;
                     std::fprintf(stderr, "the run ended before stage %d: %s\n", stage,
                                  qPrintable(message));
                     QApplication::exit(1);
                   });
}

// Saves the window once every started run has ended, then quits: 0 when they all finished and
// the picture was saved. For running an experiment from the app unattended (bench/paper/).
void screenshot_when_done(sy::ui::MainWindow& window, const QString& path) {
  const auto failed = std::make_shared<bool>(false);
  QObject::connect(&window.queue(), &sy::ui::RunQueue::jobFinished, &window,
                   [failed](int, int code, const QString& message) {
                     if (code == 0) return;
                     *failed = true;
                     std::fprintf(stderr, "a run failed: %s\n", qPrintable(message));
                   });
  QObject::connect(&window.queue(), &sy::ui::RunQueue::idle, &window, [&window, path, failed] {
    QTimer::singleShot(8 * sy::ui::RunPlots::kRefreshMs, &window, [&window, path, failed] {
      const bool saved = window.grab().save(path);
      if (!saved) std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
      QApplication::exit(saved && !*failed ? 0 : 1);
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Switchyard");
  QApplication::setApplicationName("Switchyard");
  QApplication::setApplicationVersion(SWITCHYARD_VERSION);
  // The installed desktop entry (packaging/switchyard.desktop): Wayland takes the icon from it.
  QApplication::setDesktopFileName("switchyard");

  QCommandLineParser parser;
  parser.setApplicationDescription("Continual instruction tuning lab");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption db({"d", "db"}, "The experiment database.", "FILE");
  parser.addOption(db);
  QCommandLineOption run({"r", "run"}, "Show this run of the database.", "RUN");
  parser.addOption(run);
  QCommandLineOption compare("compare", "Show these runs side by side (comma-separated ids).",
                             "RUNS");
  parser.addOption(compare);
  QCommandLineOption tab("tab", "Open on this tab: run, compare or experiment.", "TAB");
  parser.addOption(tab);
  QCommandLineOption group_seeds("group-seeds",
                                 "Show one row per seed group in the run list (Ctrl+G).");
  parser.addOption(group_seeds);
  QCommandLineOption start("start", "Run the experiment as soon as the window is open (Ctrl+R).");
  parser.addOption(start);
  QCommandLineOption quick("quick", "Runs started from the window are quick checks.");
  parser.addOption(quick);
  QCommandLineOption screenshot(
      "screenshot",
      "Save the window as a PNG once it has drawn, then quit (for the user guide); with --start, "
      "once the runs have ended (exit code 1 if one failed).",
      "FILE");
  parser.addOption(screenshot);
  QCommandLineOption screenshot_stage(
      "screenshot-stage",
      "With --screenshot and --start: save it halfway through stage N of the live run instead, "
      "then cancel the runs and quit.",
      "N");
  parser.addOption(screenshot_stage);
  QCommandLineOption size("size", "Open the window at this size (e.g. 1280x720).", "WxH");
  parser.addOption(size);
  QCommandLineOption dark("dark",
                          "Use a dark palette whatever the desktop's (screenshots of the dark "
                          "look; a dark desktop is followed without it).");
  parser.addOption(dark);
  parser.addPositionalArgument("experiment", "An experiment file to open, ready to run.");
  parser.process(app);
  if (parser.isSet(dark)) {
    // Fusion draws every role of the palette; the platform's style may keep light parts.
    QApplication::setStyle("Fusion");
    QApplication::setPalette(sy::ui::dark_palette());
  }

  // The window comes back at the size it was closed with (MainWindow keeps it in QSettings).
  sy::ui::MainWindow window(parser.value(db));
  bool experiment_ok = true;
  if (!parser.positionalArguments().isEmpty())
    experiment_ok = window.openExperiment(parser.positionalArguments()[0]);
  if (parser.isSet(group_seeds)) window.setGroupSeeds(true);
  window.setQuick(parser.isSet(quick));
  if (parser.isSet(size)) {
    const QStringList wh = parser.value(size).split('x');
    const int w = wh.value(0).toInt(), h = wh.value(1).toInt();
    if (wh.size() != 2 || w <= 0 || h <= 0) {
      std::fprintf(stderr,
                   "error: --size: expected WIDTHxHEIGHT in pixels, e.g. 1280x720; got '%s'\n",
                   qPrintable(parser.value(size)));
      return 2;
    }
    window.resize(w, h);
  }
  window.show();
  if (parser.isSet(run)) {
    const int64_t id = parser.value(run).toLongLong();
    window.showRun(id);
    window.selectRuns({id});
  }
  if (parser.isSet(compare)) {
    QVector<int64_t> ids;
    for (const QString& id : parser.value(compare).split(',')) ids << id.toLongLong();
    window.selectRuns(ids);
    window.compareRuns(ids);
  }
  if (parser.isSet(tab)) {
    const QString name = parser.value(tab).toLower();
    for (int i = 0; i < window.tabs().count(); ++i)
      if (window.tabs().tabText(i).toLower() == name) window.tabs().setCurrentIndex(i);
  }
  if (parser.isSet(start)) {
    // A file the engine would refuse is not run: the form shows it as it is with its bad values
    // flagged, and the window says why nothing starts. So the run waits for the form to know
    // the engine's schema (it arrives without blocking).
    if (experiment_ok) {
      const bool unattended = parser.isSet(screenshot);
      const auto start_run = [&window, unattended] {
        if (window.designer().isSchemaKnown() && !window.designer().isValid()) {
          std::fprintf(stderr, "error: %s\n", qPrintable(window.statusText()));
          if (unattended) {
            QApplication::exit(1);
            return;
          }
        }
        window.runExperiment();  // refused with a message box where the file is invalid
      };
      sy::ui::ExperimentDraft& draft = window.designer().draft();
      if (draft.isSchemaKnown() || !draft.schemaError().isEmpty()) {
        QTimer::singleShot(0, &window, start_run);
      } else {
        QObject::connect(&draft, &sy::ui::ExperimentDraft::schemaKnown, &window, start_run);
        QObject::connect(&draft, &sy::ui::ExperimentDraft::schemaFailed, &window, start_run);
      }
    } else {
      std::fprintf(stderr, "error: %s\n", qPrintable(window.statusText()));
      if (parser.isSet(screenshot)) return 1;
    }
  }
  if (parser.isSet(screenshot)) {
    const QString path = parser.value(screenshot);
    if (parser.isSet(screenshot_stage)) {
      if (!parser.isSet(start)) {
        std::fprintf(stderr, "--screenshot-stage needs --start\n");
        return 2;
      }
      screenshot_live(window, parser.value(screenshot_stage).toInt(), path);
    } else if (parser.isSet(start)) {
      screenshot_when_done(window, path);
    } else {
      // After the plots' queued replot has run, and once the form is built from the engine's
      // schema (or says why it cannot be), which arrives without blocking.
      const auto grab_later = [&window, path] {
        QTimer::singleShot(1500, &window, [&window, path] {
          const bool saved = window.grab().save(path);
          QApplication::exit(saved ? 0 : 1);
        });
      };
      sy::ui::ExperimentDraft& draft = window.designer().draft();
      if (draft.isSchemaKnown() || !draft.schemaError().isEmpty()) {
        grab_later();
      } else {
        QObject::connect(&draft, &sy::ui::ExperimentDraft::schemaKnown, &window, grab_later);
        QObject::connect(&draft, &sy::ui::ExperimentDraft::schemaFailed, &window, grab_later);
      }
    }
  }
  return QApplication::exec();
}
