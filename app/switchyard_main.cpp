// switchyard: the desktop app. It links Qt, QCustomPlot and storage/ only; training runs in
// switchyard-engine processes that it starts and listens to.
// Usage: switchyard [--db FILE] [EXPERIMENT.json]
#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>
#include <QVector>

#include "ui/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Switchyard");
  QApplication::setApplicationName("Switchyard");
  QApplication::setApplicationVersion(SWITCHYARD_VERSION);

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
  QCommandLineOption screenshot(
      "screenshot", "Save the window as a PNG once it has drawn, then quit (for the user guide).",
      "FILE");
  parser.addOption(screenshot);
  parser.addPositionalArgument("experiment", "An experiment file to open, ready to run.");
  parser.process(app);

  sy::ui::MainWindow window(parser.value(db));
  if (!parser.positionalArguments().isEmpty())
    window.openExperiment(parser.positionalArguments()[0]);
  window.resize(1400, 860);
  window.show();
  if (parser.isSet(run)) window.showRun(parser.value(run).toLongLong());
  if (parser.isSet(compare)) {
    QVector<int64_t> ids;
    for (const QString& id : parser.value(compare).split(',')) ids << id.toLongLong();
    window.compareRuns(ids);
  }
  if (parser.isSet(tab)) {
    const QString name = parser.value(tab).toLower();
    for (int i = 0; i < window.tabs().count(); ++i)
      if (window.tabs().tabText(i).toLower() == name) window.tabs().setCurrentIndex(i);
  }
  if (parser.isSet(screenshot)) {
    // After the plots' queued replot has run.
    QTimer::singleShot(1500, &window, [&] {
      const bool saved = window.grab().save(parser.value(screenshot));
      QApplication::exit(saved ? 0 : 1);
    });
  }
  return QApplication::exec();
}
