// bench_gui: how fast the desktop app's heavy views are on this machine, offscreen — the run list
// with thousands of runs (RunListModel read from a real SQLite file, folded by seed, sorted and
// filtered) and the loss plot with a million points (set, smoothed, ten appended, exported).
// The tests check what these views show; how long they take is measured here, never in a test.
// Usage: bench_gui [--settings N] [--seeds N] [--points N]   (QT_QPA_PLATFORM=offscreen is the
// default: no display needed)
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_text.h"
#include "storage/store.h"
#include "ui/custom_plot.h"
#include "ui/loss_plot.h"
#include "ui/run_list_model.h"
#include "ui/seed_group_model.h"

namespace {

using sy::bench::fixed;
using sy::bench::print_table;
using Rows = std::vector<std::vector<std::string>>;

std::string ms(const QElapsedTimer& timer) {
  return fixed(timer.nsecsElapsed() / 1e6, 1);
}

// settings x seeds finished seq-lora runs of two tasks, each with an AP; their runs differ only by
// seed within a setting (the learning rate in the stored settings), as a sweep makes them.
Rows run_list(const QString& dir, int settings, int seeds) {
  Rows rows = {{"run list, " + std::to_string(settings * seeds) + " runs in " +
                    std::to_string(settings) + " groups",
                "ms"}};
  sy::store::Store store = sy::store::Store::open(QDir(dir).filePath("runs.db").toStdString());
  const int64_t experiment = store.create_experiment("bench", "{}");
  QElapsedTimer timer;
  timer.start();
  for (int s = 0; s < settings; ++s) {
    for (int seed = 0; seed < seeds; ++seed) {
      sy::store::NewRun run;
      run.experiment_id = experiment;
      run.strategy = "seq-lora";
      run.label = "lr" + std::to_string(s);
      run.seed = uint64_t(seed);
      run.config_json =
          R"({"label":"x","strategy":{"name":"seq-lora","lr":)" + std::to_string(0.001 * s) + "}}";
      const int64_t id = store.create_run(run);
      store.set_run_tasks(id, {{"reverse", "exact"}, {"capitalize", "exact"}});
      store.set_run_status(id, sy::store::RunStatus::Finished);
      store.set_run_summary(id, R"({"ap":)" + std::to_string(0.01 * ((s * 7 + seed) % 100)) + "}");
    }
  }
  rows.push_back({"write the runs (store)", ms(timer)});

  sy::ui::RunListModel runs;
  sy::ui::SeedGroupModel groups(&runs);
  QSortFilterProxyModel proxy;
  proxy.setSourceModel(&groups);
  proxy.setSortRole(Qt::EditRole);
  proxy.setRecursiveFilteringEnabled(true);
  proxy.setFilterKeyColumn(-1);
  proxy.sort(sy::ui::RunListModel::Id, Qt::DescendingOrder);
  timer.restart();
  runs.refresh(store);
  rows.push_back({"first refresh (a load per run for its group's key)", ms(timer)});
  timer.restart();
  runs.refresh(store);
  rows.push_back({"refresh again (keys cached)", ms(timer)});
  timer.restart();
  proxy.sort(sy::ui::RunListModel::Ap, Qt::AscendingOrder);
  rows.push_back({"sort by AP", ms(timer)});
  timer.restart();
  proxy.setFilterFixedString("lr" + QString::number(settings - 1));
  rows.push_back({"filter to one group", ms(timer)});
  if (proxy.rowCount() != 1) {
    std::fprintf(stderr, "bench_gui: the filter kept %d groups, expected 1\n", proxy.rowCount());
    std::exit(1);
  }
  return rows;
}

// `points` loss points over four stages on a 900x500 plot.
Rows loss_plot(const QString& dir, int points) {
  Rows rows = {{"loss plot, " + std::to_string(points) + " points", "ms"}};
  const int stages = 4, steps = points / stages;
  QVector<sy::ui::TracePoint> trace;
  trace.reserve(stages * steps + 10);
  for (int stage = 1; stage <= stages; ++stage)
    for (int step = 1; step <= steps; ++step)
      trace.append(
          {stage, step, 1.0 + std::sin(step * 0.01) + 0.3 * ((step * 7919) % 13) / 13.0, 0, 0});
  const QStringList labels = {"a", "b", "c", "d"};

  sy::ui::LossPlot plot;
  plot.resize(900, 500);
  plot.show();
  QApplication::processEvents();
  QElapsedTimer timer;
  timer.start();
  plot.setPoints(trace, labels);
  plot.plot()->replot();
  rows.push_back({"set and replot", ms(timer)});
  timer.restart();
  plot.setSmoothing(0.95);
  plot.plot()->replot();
  rows.push_back({"smooth (EMA 0.95) and replot", ms(timer)});
  for (int step = steps + 1; step <= steps + 10; ++step) trace.append({stages, step, 1.0, 0, 0});
  timer.restart();
  plot.setPoints(trace, labels);
  plot.plot()->replot();
  rows.push_back({"ten points appended, replot", ms(timer)});
  timer.restart();
  const bool png = plot.exportPng(QDir(dir).filePath("loss.png"));
  rows.push_back({"export PNG (twice the size)", ms(timer)});
  timer.restart();
  const bool pdf = plot.exportPdf(QDir(dir).filePath("loss.pdf"));
  rows.push_back({"export PDF", ms(timer)});
  if (!png || !pdf) {
    std::fprintf(stderr, "bench_gui: an export failed (PNG %d, PDF %d)\n", png, pdf);
    std::exit(1);
  }
  return rows;
}

int positive_arg(int argc, char** argv, int i) {
  const int value = i + 1 < argc ? std::atoi(argv[i + 1]) : 0;
  if (value <= 0) {
    std::fprintf(stderr, "error: %s expects a positive integer\n", argv[i]);
    std::exit(2);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  int settings = 60, seeds = 50, points = 1000000;
  for (int i = 1; i < argc; i += 2) {
    if (!std::strcmp(argv[i], "--settings")) {
      settings = positive_arg(argc, argv, i);
    } else if (!std::strcmp(argv[i], "--seeds")) {
      seeds = positive_arg(argc, argv, i);
    } else if (!std::strcmp(argv[i], "--points")) {
      points = positive_arg(argc, argv, i);
    } else {
      std::fprintf(stderr,
                   "error: unknown argument %s (expected --settings N, --seeds N, --points N)\n",
                   argv[i]);
      return 2;
    }
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QTemporaryDir dir;
  if (!dir.isValid()) {
    std::fprintf(stderr, "error: cannot make a temporary folder: %s\n",
                 qPrintable(dir.errorString()));
    return 1;
  }
  std::printf("bench_gui on %s (%s platform), load average %s\n\n",
              sy::bench::cpu_model_name().c_str(), qPrintable(QApplication::platformName()),
              sy::bench::load_average().c_str());
  print_table(run_list(dir.path(), settings, seeds));
  print_table(loss_plot(dir.path(), points));
  return 0;
}
