// The compare view, offscreen, on hand-made runs: two seeds of one setting and one run of another
// strategy. Every run gets a heatmap on the shared 0..100 % scale; the seeds fold into one mean
// line with a min–max band per task; the summary shows values and Δ to the first run; the settings
// table keeps only the keys that differ; both tables export as CSV. Every title and export names
// the run's id; runs over other task lists are flagged; one legend (in the runs' own colours)
// hides a run in every plot; the losses are overlaid; with no runs a sentence says what to do.
#include <QFile>
#include <QLabel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "ui/custom_plot.h"

#include <cmath>

#include "ui/compare_view.h"
#include "ui/line_plot_controls.h"
#include "ui/matrix_heatmap.h"
#include "ui/run_color.h"

using namespace sy::ui;

namespace {

const double kNaN = std::nan("");

RunTrace make_run(int64_t id, const QString& strategy, uint64_t seed,
                  QVector<QVector<double>> scores, RunSummary summary) {
  RunTrace run;
  run.id = id;
  run.experiment = "demo";
  run.strategy = strategy;
  run.label = strategy;
  run.seed = seed;
  run.key = QString("demo/%1/seed%2").arg(strategy).arg(seed);
  run.status = "finished";
  run.tasks = {"reverse", "capitalize"};
  run.stages = run.stages_finished = 2;
  run.scores = std::move(scores);
  run.summary = summary;
  // Two stages of a few steps, for the overlaid losses.
  for (int stage = 1; stage <= 2; ++stage)
    for (int step = 1; step <= 5; ++step)
      run.points.append({stage, step, 2.0 / step + 0.1 * double(id % 5), 1e-3, 1000});
  return run;
}

QVector<RunTrace> sample_runs() {
  RunSummary a0, a1, b;
  a0.ap = 0.800;
  a0.forgetting = 0.05;
  a0.bwt = -0.05;
  a0.fwt = 0.01;
  a0.router_accuracy = 0.97;
  a1 = a0;
  a1.ap = 0.790;
  b.ap = 0.484;
  b.forgetting = 0.40;
  b.bwt = -0.40;
  b.fwt = 0.01;  // same as the reference: Δ +0.0
  // b.router_accuracy: seq-lora has no router → "–"
  return {
      // seed 0 has not evaluated capitalize after stage 1: the mean there is seed 1's alone.
      make_run(11, "switchcit", 0, {{0.0, 0.1}, {0.9, kNaN}, {0.8, 0.8}}, a0),
      make_run(12, "switchcit", 1, {{0.0, 0.1}, {0.7, 0.2}, {0.6, 0.98}}, a1),
      make_run(13, "seq-lora", 0, {{0.0, 0.1}, {0.9, 0.1}, {0.1, 0.868}}, b),
  };
}

QString config(const QString& label, const QString& name, const QString& extra) {
  return QString(
             R"({"label":"%1","quick":true,"experiment_file":"experiments/demo.json",)"
             R"("strategy":{"name":"%2","mode":"train","steps":50,"batch_size":8,"lr":0.0002,)"
             R"("lora":{"r":8,"alpha":16,"dropout":0.05,"target_modules":["q_proj","v_proj"]}%3}})")
      .arg(label, name, extra);
}

QVector<QString> sample_configs() {
  const QString switchcit = config("switchcit", "switchcit", R"(,"retention":0.0001)");
  return {switchcit, switchcit, config("seq-lora", "seq-lora", QString())};
}

QString cell(const QAbstractItemModel* model, int row, int column) {
  return model->index(row, column).data().toString();
}

int column_of(const QAbstractItemModel* model, const QString& header) {
  for (int c = 0; c < model->columnCount(); ++c)
    if (model->headerData(c, Qt::Horizontal).toString() == header) return c;
  return -1;
}

QStringList column(const QAbstractItemModel* model, int c) {
  QStringList out;
  for (int r = 0; r < model->rowCount(); ++r) out << cell(model, r, c);
  return out;
}

const QCPGraph* graph_named(const QCustomPlot* plot, const QString& name) {
  for (int i = 0; i < plot->graphCount(); ++i)
    if (plot->graph(i)->name() == name) return plot->graph(i);
  return nullptr;
}

QStringList read_lines(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QStringList lines = QString::fromUtf8(file.readAll()).split('\n');
  if (!lines.isEmpty() && lines.last().isEmpty()) lines.removeLast();
  return lines;
}

}  // namespace

class TestCompareView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void heatmapsShareTheColourRange();
  void summaryShowsValuesAndDeltas();
  void settingsListOnlyDifferingKeys();
  void unknownConfigDoesNotMakeKeysDiffer();
  void retentionFoldsSeedsIntoABand();
  void aSeedRunAgainIsOneSample();
  void otherSettingsAreNotSeeds();
  void csvExports();
  void setRunsReplacesThePicture();
  void drawsOnScreen();
  void runsOfOneLabelAndSeedHaveDistinctTitles();
  void differentTaskListsAreFlagged();
  void oneLegendInTheRunsColours();
  void lossesAreOverlaid();
  void lossesOnWallTime();
  void nothingToCompareSaysWhatToDo();
};

void TestCompareView::heatmapsShareTheColourRange() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  QCOMPARE(view.heatmapCount(), 3);
  for (int i = 0; i < 3; ++i) {
    QCOMPARE(view.heatmap(i)->colorRange(), qMakePair(0.0, 100.0));
    QCOMPARE(view.heatmap(i)->rowCount(), 3);
    QCOMPARE(view.heatmap(i)->columnCount(), 2);
  }
  QCOMPARE(view.heatmapTitle(0), QString("#11 switchcit · seed 0"));
  QCOMPARE(view.heatmapTitle(2), QString("#13 seq-lora · seed 0"));
  QCOMPARE(view.heatmap(0)->cellText(1, 0), QString("90.0"));
  QCOMPARE(view.heatmap(0)->cellText(1, 1), QString("–"));
}

void TestCompareView::summaryShowsValuesAndDeltas() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  const QAbstractItemModel* model = view.summaryModel();
  QCOMPARE(model->rowCount(), 3);
  QCOMPARE(column(model, 0), (QStringList{"11", "12", "13"}));
  QCOMPARE(column(model, 1), (QStringList{"switchcit", "switchcit", "seq-lora"}));
  QCOMPARE(column(model, 2), (QStringList{"0", "1", "0"}));

  const int ap = column_of(model, "AP (%)");
  const int ap_delta = column_of(model, "Δ AP (%)");
  QVERIFY(ap >= 0 && ap_delta == ap + 1);
  QCOMPARE(column(model, ap), (QStringList{"80.0", "79.0", "48.4"}));
  QCOMPARE(column(model, ap_delta), (QStringList{"", "-1.0", "-31.6"}));

  const int forgetting_delta = column_of(model, "Δ Forgetting (%)");
  QCOMPARE(cell(model, 2, forgetting_delta), QString("+35.0"));
  const int fwt_delta = column_of(model, "Δ FWT (%)");
  QCOMPARE(cell(model, 2, fwt_delta), QString("+0.0"));

  const int router = column_of(model, "Router accuracy (%)");
  QCOMPARE(column(model, router), (QStringList{"97.0", "97.0", "–"}));
  QCOMPARE(cell(model, 2, router + 1), QString("–"));
}

void TestCompareView::settingsListOnlyDifferingKeys() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  const QAbstractItemModel* model = view.settingsModel();
  QCOMPARE(model->columnCount(), 4);
  QCOMPARE(model->headerData(3, Qt::Horizontal).toString(), QString("#13 seq-lora · seed 0"));
  // Equal everywhere (quick, lr, lora.*, the target_modules list) stays out.
  QCOMPARE(column(model, 0), (QStringList{"label", "strategy.name", "strategy.retention"}));
  QCOMPARE(cell(model, 1, 1), QString("switchcit"));
  QCOMPARE(cell(model, 1, 3), QString("seq-lora"));
  QCOMPARE(cell(model, 2, 1), QString("0.0001"));
  QCOMPARE(cell(model, 2, 3), QString("–"));  // absent from seq-lora's config

  // Flattening: nested objects become dotted keys, lists one comma-joined value, integers
  // without a fraction.
  const QMap<QString, QString> flat = CompareView::flattenConfig(sample_configs()[0]);
  QCOMPARE(flat.value("strategy.lora.target_modules"), QString("q_proj, v_proj"));
  QCOMPARE(flat.value("strategy.lora.r"), QString("8"));
  QCOMPARE(flat.value("strategy.lr"), QString("0.0002"));
  QCOMPARE(flat.value("quick"), QString("true"));
}

void TestCompareView::unknownConfigDoesNotMakeKeysDiffer() {
  CompareView view;
  QVector<QString> configs = sample_configs();
  configs[2] = QString();  // seq-lora's config is not known; the two seeds agree on everything
  view.setRuns(sample_runs(), configs);
  QCOMPARE(view.settingsModel()->rowCount(), 0);
  bool ok = true;
  CompareView::flattenConfig("not json", &ok);
  QVERIFY(!ok);
}

// Seed 0 run twice (ids 11, then 14) and seed 1: the group is 2 seeds, and its mean and band
// are over seed 0's newest run and seed 1 only; the older run still draws its loss curve.
void TestCompareView::aSeedRunAgainIsOneSample() {
  QVector<RunTrace> runs = sample_runs();
  runs.append(make_run(14, "switchcit", 0, {{0.0, 0.1}, {0.5, 0.3}, {0.4, 0.6}}, {}));
  QVector<QString> configs = sample_configs();
  configs.append(configs[0]);
  CompareView view;
  view.setRuns(runs, configs);
  const QCPGraph* mean = graph_named(view.retentionPlot(0), "switchcit (2 seeds)");
  QVERIFY(mean);
  // reverse after stage 1: (50 + 70) / 2, not (90 + 70 + 50) / 3.
  QCOMPARE(mean->data()->at(1)->value, 60.0);
  int loss_curves = 0;
  for (int i = 0; i < view.lossPlot()->graphCount(); ++i)
    if (view.lossPlot()->graph(i)->data()->size() > 0) ++loss_curves;
  QVERIFY2(loss_curves >= 4, qPrintable(QString::number(loss_curves)));
}

void TestCompareView::retentionFoldsSeedsIntoABand() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  QCOMPARE(view.retentionPlotCount(), 2);
  QCOMPARE(view.retentionTasks(), (QStringList{"reverse", "capitalize"}));

  for (int t = 0; t < 2; ++t) {
    const QCustomPlot* plot = view.retentionPlot(t);
    QVERIFY(plot);
    // The seed group: lower and upper bound (filled between) and its mean; seq-lora: a line.
    QCOMPARE(plot->graphCount(), 4);
    QCOMPARE(plot->legend->itemCount(), 2);
    int filled = 0;
    for (int i = 0; i < plot->graphCount(); ++i)
      if (plot->graph(i)->channelFillGraph()) ++filled;
    QCOMPARE(filled, 1);
    QVERIFY(graph_named(plot, "switchcit (2 seeds)"));
    QVERIFY(graph_named(plot, "seq-lora"));
  }

  // reverse: the seeds' scores after each stage are (0, 0), (90, 70), (80, 60).
  const QCPGraph* mean = graph_named(view.retentionPlot(0), "switchcit (2 seeds)");
  QCOMPARE(mean->data()->size(), 3);
  QCOMPARE(mean->data()->at(0)->value, 0.0);
  QCOMPARE(mean->data()->at(1)->value, 80.0);
  QCOMPARE(mean->data()->at(2)->value, 70.0);
  // capitalize after stage 1: seed 0 not evaluated (NaN), so the point is seed 1's 20 % alone.
  const QCPGraph* capitalize = graph_named(view.retentionPlot(1), "switchcit (2 seeds)");
  QCOMPARE(capitalize->data()->at(1)->value, 20.0);
  QCOMPARE(capitalize->data()->at(2)->value, 89.0);
  // The band spans min..max of the seeds.
  const QCPGraph* upper = nullptr;
  for (int i = 0; i < view.retentionPlot(0)->graphCount(); ++i)
    if (view.retentionPlot(0)->graph(i)->channelFillGraph())
      upper = view.retentionPlot(0)->graph(i);
  QVERIFY(upper);
  QCOMPARE(upper->data()->at(1)->value, 90.0);
  QCOMPARE(upper->channelFillGraph()->data()->at(1)->value, 70.0);
  const QCPGraph* single = graph_named(view.retentionPlot(1), "seq-lora");
  QCOMPARE(single->data()->at(2)->value, 86.8);
}

void TestCompareView::otherSettingsAreNotSeeds() {
  // The same label, but one run was a quick check: not a replicate (seed_group_key), so two
  // lines of their own, told apart by their seeds, and no band.
  CompareView view;
  QVector<QString> configs = sample_configs();
  configs[1].replace(R"("quick":true)", R"("quick":false)");
  view.setRuns(sample_runs(), configs);
  const QCustomPlot* plot = view.retentionPlot(0);
  QCOMPARE(plot->graphCount(), 3);
  for (int i = 0; i < plot->graphCount(); ++i) QVERIFY(!plot->graph(i)->channelFillGraph());
  QVERIFY(graph_named(plot, "#11 switchcit · seed 0"));
  QVERIFY(graph_named(plot, "#12 switchcit · seed 1"));
  // Where each run's file was read from is no setting: still one group.
  configs = sample_configs();
  configs[1].replace("experiments/demo.json", "/elsewhere/demo.json");
  view.setRuns(sample_runs(), configs);
  QVERIFY(graph_named(view.retentionPlot(0), "switchcit (2 seeds)"));
}

void TestCompareView::csvExports() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  QTemporaryDir dir;
  QVERIFY(dir.isValid());

  const QString summary = dir.filePath("summary.csv");
  QVERIFY(view.exportSummaryCsv(summary));
  const QStringList lines = read_lines(summary);
  QCOMPARE(lines.size(), 4);
  QVERIFY2(lines[0].startsWith("Id,Run,Seed,AP (%),Δ AP (%),Forgetting (%)"), qPrintable(lines[0]));
  QCOMPARE(lines[0].split(',').size(), 13);
  // The reference's Δ cells are blank and an undefined value is an empty field, not "–".
  QVERIFY2(lines[1].startsWith("11,switchcit,0,80.0,,5.0,"), qPrintable(lines[1]));
  QVERIFY2(lines[3].startsWith("13,seq-lora,0,48.4,-31.6,"), qPrintable(lines[3]));
  QVERIFY2(lines[3].endsWith(",,"), qPrintable(lines[3]));
  QVERIFY(!lines.join('\n').contains("–"));

  const QString settings = dir.filePath("settings.csv");
  QVERIFY(view.exportSettingsCsv(settings));
  const QStringList rows = read_lines(settings);
  QCOMPARE(rows.size(), 4);
  QCOMPARE(rows[0],
           QString("Setting,#11 switchcit · seed 0,#12 switchcit · seed 1,#13 seq-lora · seed 0"));
  QCOMPARE(rows[3], QString("strategy.retention,0.0001,0.0001,"));

  QVERIFY(!view.exportSummaryCsv(dir.filePath("missing/dir/summary.csv")));
}

void TestCompareView::setRunsReplacesThePicture() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  view.setRuns({sample_runs()[2]}, {});
  QCOMPARE(view.heatmapCount(), 1);
  QCOMPARE(view.summaryModel()->rowCount(), 1);
  QCOMPARE(view.settingsModel()->rowCount(), 0);
  QCOMPARE(view.retentionPlotCount(), 2);
  QCOMPARE(view.retentionPlot(0)->graphCount(), 1);
  QCOMPARE(view.retentionPlot(0)->graph(0)->name(), QString("seq-lora"));
  QCOMPARE(view.legendEntries(), QStringList{"seq-lora"});
  view.setRuns({}, {});
  QCOMPARE(view.legendEntries(), QStringList());
  QCOMPARE(view.lossPlot()->graphCount(), 0);
  QCOMPARE(view.heatmapCount(), 0);
  QCOMPARE(view.retentionPlotCount(), 0);
  QCOMPARE(view.summaryModel()->rowCount(), 0);
}

// Every tab paints (bands with NaN gaps included) without complaint at a small window size.
void TestCompareView::drawsOnScreen() {
  CompareView view;
  view.resize(900, 600);
  view.setRuns(sample_runs(), sample_configs());
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  for (int tab = 0; tab < view.tabs()->count(); ++tab) {
    view.tabs()->setCurrentIndex(tab);
    QVERIFY(!view.grab().isNull());
  }
}

// Two runs of one label and seed (another experiment, or a rerun) were both titled
// "switchcit · seed 0": the id tells them apart in every title, header and export.
void TestCompareView::runsOfOneLabelAndSeedHaveDistinctTitles() {
  QVector<RunTrace> runs = sample_runs();
  runs[1].seed = 0;
  runs[1].experiment = "other";
  runs[1].key = "other/switchcit/seed0";
  CompareView view;
  view.setRuns(runs, {});
  QVERIFY(view.heatmapTitle(0) != view.heatmapTitle(1));
  QCOMPARE(view.heatmapTitle(1), QString("#12 switchcit · seed 0"));
  QCOMPARE(CompareView::runTitle(runs[1]), QString("#12 switchcit · seed 0"));
  runs[1].id = 0;  // not stored yet: no id to show
  QCOMPARE(CompareView::runTitle(runs[1]), QString("switchcit · seed 0"));
  // The legend names single runs that share a label by their titles, ids included.
  QCOMPARE(view.legendEntries(),
           (QStringList{"#11 switchcit · seed 0", "#12 switchcit · seed 0", "seq-lora"}));
  // A quick check is titled as one wherever compare names it (issue 21, 4: compare titles could
  // not tell a quick run from a full one).
  runs[1].id = 12;
  runs[1].quick = true;
  view.setRuns(runs, {});
  QCOMPARE(view.heatmapTitle(1), QString("#12 switchcit · seed 0 · quick"));
  QVERIFY(view.legendEntries().contains("#12 switchcit · seed 0 · quick"));
}

// Runs over different task lists: a visible warning naming the lists, the task lists in the
// settings table (they are not among the stored settings), and the Δ cells marked.
void TestCompareView::differentTaskListsAreFlagged() {
  CompareView view;
  view.resize(900, 600);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.setRuns(sample_runs(), sample_configs());
  QCOMPARE(view.warningText(), QString());
  QCOMPARE(view.settingsModel()->index(0, 0).data().toString(), QString("label"));

  QVector<RunTrace> runs = sample_runs();
  runs[2].tasks = {"reverse", "count"};
  view.setRuns(runs, sample_configs());
  const QString warning = view.warningText();
  QVERIFY2(warning.contains("different task lists"), qPrintable(warning));
  QVERIFY2(warning.contains("reverse → capitalize"), qPrintable(warning));
  QVERIFY2(warning.contains("#13 seq-lora · seed 0: reverse → count"), qPrintable(warning));
  QVERIFY(view.findChild<QLabel*>("compareWarning")->isVisible());
  const QAbstractItemModel* settings = view.settingsModel();
  QCOMPARE(settings->index(0, 0).data().toString(), QString("tasks"));
  QCOMPARE(settings->index(0, 1).data().toString(), QString("reverse → capitalize"));
  QCOMPARE(settings->index(0, 3).data().toString(), QString("reverse → count"));
  const QAbstractItemModel* summary = view.summaryModel();
  const int ap_delta = column_of(summary, "Δ AP (%)");
  QVERIFY(summary->index(2, ap_delta).data(Qt::ToolTipRole).toString().contains("other tasks"));
  QVERIFY(!summary->index(1, ap_delta).data(Qt::ToolTipRole).toString().contains("other tasks"));
}

// One legend above the tabs instead of one per small plot (whose names were cut): an entry per
// seed group in the colour of its first run, the same colour in every plot; a click hides the
// entry's lines and bands everywhere.
void TestCompareView::oneLegendInTheRunsColours() {
  CompareView view;
  view.resize(1280, 720);
  view.setRuns(sample_runs(), sample_configs());
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  QCOMPARE(view.legendEntries(), (QStringList{"switchcit (2 seeds)", "seq-lora"}));
  QCOMPARE(view.legendColor(0), run_color(11));
  QCOMPARE(view.legendColor(1), run_color(13));
  // By id, not by the order picked: the same run keeps its colour in another selection.
  view.setRuns({sample_runs()[2], sample_runs()[0]}, {});
  QCOMPARE(view.legendColor(0), run_color(13));
  view.setRuns(sample_runs(), sample_configs());

  const QCustomPlot* plot = view.retentionPlot(0);
  QVERIFY(!plot->legend->visible());
  QCOMPARE(graph_named(plot, "seq-lora")->pen().color(), run_color(13));
  QCOMPARE(graph_named(plot, "switchcit (2 seeds)")->pen().color(), run_color(11));
  // Every entry's text is shown whole.
  for (QToolButton* button : view.findChildren<QToolButton*>()) {
    if (!view.legendEntries().contains(button->text())) continue;
    QVERIFY2(button->width() >= button->sizeHint().width(), qPrintable(button->text()));
  }

  QToolButton* seeds = nullptr;
  for (QToolButton* button : view.findChildren<QToolButton*>())
    if (button->text() == "switchcit (2 seeds)") seeds = button;
  QVERIFY(seeds);
  QTest::mouseClick(seeds, Qt::LeftButton);
  QVERIFY(!view.isEntryShown(0));
  for (int t = 0; t < view.retentionPlotCount(); ++t)
    for (int i = 0; i < view.retentionPlot(t)->graphCount(); ++i) {
      const QCPGraph* graph = view.retentionPlot(t)->graph(i);
      QCOMPARE(graph->visible(), graph->name() == "seq-lora");
    }
  for (int i = 0; i < view.lossPlot()->graphCount(); ++i)
    QCOMPARE(view.lossPlot()->graph(i)->visible(),
             view.lossPlot()->graph(i)->name().contains("#13"));
  QTest::mouseClick(seeds, Qt::LeftButton);
  QVERIFY(view.isEntryShown(0));
  QVERIFY(graph_named(view.retentionPlot(0), "switchcit (2 seeds)")->visible());
}

// The runs' losses in one plot, on the global step axis, each in its run's colour: a faint raw
// curve and its debiased EMA (restarted per stage) at the controls' weight.
void TestCompareView::lossesAreOverlaid() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  const QCustomPlot* plot = view.lossPlot();
  QCOMPARE(plot->graphCount(), 6);
  const QCPGraph* raw = plot->graph(4);
  const QCPGraph* smoothed = plot->graph(5);
  QCOMPARE(raw->name(), QString("#13 seq-lora · seed 0"));
  QCOMPARE(raw->data()->size(), 10);
  QCOMPARE((raw->data()->constBegin() + 5)->key, 6.0);  // stage 2, step 1
  QCOMPARE(smoothed->pen().color(), run_color(13));
  QVERIFY(raw->pen().color() != run_color(13));  // faint under the smoothed curve
  // The first smoothed value of each stage is its raw value (debiased), the next one is not.
  QCOMPARE((smoothed->data()->constBegin() + 5)->value, (raw->data()->constBegin() + 5)->value);
  QVERIFY((smoothed->data()->constBegin() + 6)->value != (raw->data()->constBegin() + 6)->value);
  view.lossControls()->setSmoothing(0);
  QCOMPARE(smoothed->data()->size(), 0);
  QCOMPARE(raw->pen().color(), run_color(13));
  view.lossControls()->setLogY(true);
  QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);
}

// The overlaid losses against wall time (issue 21's conventions): each run from its own first
// step, in seconds; offered only when every compared run's steps have their times.
void TestCompareView::lossesOnWallTime() {
  QVector<RunTrace> runs = sample_runs();
  for (int r = 0; r < runs.size(); ++r)
    for (int i = 0; i < runs[r].points.size(); ++i)
      runs[r].points[i].at_ms = 1'765'000'000'000 + 3'600'000 * r + 2000 * i;  // 2 s a step
  CompareView view;
  view.setRuns(runs, sample_configs());
  const QCustomPlot* plot = view.lossPlot();
  QCOMPARE((plot->graph(4)->data()->constBegin() + 5)->key, 6.0);  // step until asked
  view.lossControls()->setXAxis(XAxis::WallTime);
  QCOMPARE(plot->graphCount(), 6);
  for (int g = 0; g < plot->graphCount(); g += 2) {
    QCOMPARE(plot->graph(g)->data()->constBegin()->key, 0.0);  // each run from its first step
    QCOMPARE((plot->graph(g)->data()->constBegin() + 5)->key, 10.0);
    QCOMPARE((plot->graph(g + 1)->data()->constBegin() + 5)->key, 10.0);  // smoothed too
  }
  QVERIFY(plot->xAxis->label().contains("wall time"));
  view.lossControls()->setXAxis(XAxis::Step);
  QCOMPARE((plot->graph(4)->data()->constBegin() + 5)->key, 6.0);

  // A run without times among them: wall time is not offered, steps are drawn.
  view.lossControls()->setXAxis(XAxis::WallTime);
  runs[1].points[3].at_ms = 0;
  view.setRuns(runs, sample_configs());
  QCOMPARE(view.lossControls()->xAxis(), XAxis::Step);
  QCOMPARE((plot->graph(4)->data()->constBegin() + 5)->key, 6.0);
  QCOMPARE(plot->xAxis->label(), QString("step"));
}

// With nothing selected the tab said nothing: empty tables and no plots. Now a sentence.
void TestCompareView::nothingToCompareSaysWhatToDo() {
  CompareView view;
  QVERIFY(view.emptyText().contains("Select two or more runs"));
  view.setRuns(sample_runs(), sample_configs());
  QCOMPARE(view.emptyText(), QString());
  view.setRuns({}, {});
  QVERIFY(!view.emptyText().isEmpty());
}

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
