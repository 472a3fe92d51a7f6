// The compare view, offscreen, on hand-made runs: two seeds of one setting and one run of another
// strategy. Every run gets a heatmap on the shared 0..100 % scale; the seeds fold into one mean
// line with a min–max band per task; the summary shows values and Δ to the first run; the settings
// table keeps only the keys that differ; both tables export as CSV.
#include <QFile>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/custom_plot.h"

#include <cmath>

#include "ui/compare_view.h"
#include "ui/matrix_heatmap.h"

using namespace sy::ui;

namespace {

const double kNaN = std::nan("");

RunTrace make_run(const QString& strategy, uint64_t seed, QVector<QVector<double>> scores,
                  RunSummary summary) {
  RunTrace run;
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
      make_run("switchcit", 0, {{0.0, 0.1}, {0.9, kNaN}, {0.8, 0.8}}, a0),
      make_run("switchcit", 1, {{0.0, 0.1}, {0.7, 0.2}, {0.6, 0.98}}, a1),
      make_run("seq-lora", 0, {{0.0, 0.1}, {0.9, 0.1}, {0.1, 0.868}}, b),
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
  void otherSettingsAreNotSeeds();
  void csvExports();
  void setRunsReplacesThePicture();
  void drawsOnScreen();
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
  QCOMPARE(view.heatmapTitle(0), QString("switchcit · seed 0"));
  QCOMPARE(view.heatmapTitle(2), QString("seq-lora · seed 0"));
  QCOMPARE(view.heatmap(0)->cellText(1, 0), QString("90.0"));
  QCOMPARE(view.heatmap(0)->cellText(1, 1), QString("–"));
}

void TestCompareView::summaryShowsValuesAndDeltas() {
  CompareView view;
  view.setRuns(sample_runs(), sample_configs());
  const QAbstractItemModel* model = view.summaryModel();
  QCOMPARE(model->rowCount(), 3);
  QCOMPARE(column(model, 0), (QStringList{"switchcit", "switchcit", "seq-lora"}));
  QCOMPARE(column(model, 1), (QStringList{"0", "1", "0"}));

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
  QCOMPARE(model->headerData(3, Qt::Horizontal).toString(), QString("seq-lora · seed 0"));
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
  QVERIFY(graph_named(plot, "switchcit · seed 0"));
  QVERIFY(graph_named(plot, "switchcit · seed 1"));
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
  QVERIFY2(lines[0].startsWith("Run,Seed,AP (%),Δ AP (%),Forgetting (%)"), qPrintable(lines[0]));
  QCOMPARE(lines[0].split(',').size(), 12);
  // The reference's Δ cells are blank and an undefined value is an empty field, not "–".
  QVERIFY2(lines[1].startsWith("switchcit,0,80.0,,5.0,"), qPrintable(lines[1]));
  QVERIFY2(lines[3].startsWith("seq-lora,0,48.4,-31.6,"), qPrintable(lines[3]));
  QVERIFY2(lines[3].endsWith(",,"), qPrintable(lines[3]));
  QVERIFY(!lines.join('\n').contains("–"));

  const QString settings = dir.filePath("settings.csv");
  QVERIFY(view.exportSettingsCsv(settings));
  const QStringList rows = read_lines(settings);
  QCOMPARE(rows.size(), 4);
  QCOMPARE(rows[0], QString("Setting,switchcit · seed 0,switchcit · seed 1,seq-lora · seed 0"));
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
  view.setRuns({}, {});
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

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
