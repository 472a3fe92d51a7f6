// The plots of one run, offscreen: a hand-made RunTrace reaches every plot (loss points on one
// global step axis, retention lines with a gap for an unevaluated cell, annotated score and
// confusion heatmaps, the summary line); a million loss points draw; smoothing is TensorBoard's
// debiased EMA; PNG and PDF exports are real files; bursts of setTrace redraw only a few times.
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/custom_plot.h"

#include <cmath>
#include <memory>

#include "ui/ema.h"
#include "ui/line_plot_controls.h"
#include "ui/loss_plot.h"
#include "ui/matrix_heatmap.h"
#include "ui/plot_palette.h"
#include "ui/retention_plot.h"
#include "ui/run_color.h"
#include "ui/run_plots.h"
#include "ui/tick_labels.h"

using namespace sy::ui;

namespace {

const double kNaN = std::nan("");

// Three tasks, two of three stages done: 50 steps of stage 1, 40 of stage 2, the score matrix
// up to row 2 with one cell not evaluated, and the router's confusion after stages 1 and 2.
RunTrace sample_trace() {
  RunTrace trace;
  trace.id = 7;
  trace.key = "demo/switchcit/seed0";
  trace.experiment = "demo";
  trace.strategy = "switchcit";
  trace.label = "switchcit";
  trace.status = "running";
  trace.tasks = {"reverse", "capitalize", "copy"};
  trace.stages = 3;
  trace.stages_finished = 2;
  for (int stage = 1; stage <= 2; ++stage)
    for (int step = 1; step <= (stage == 1 ? 50 : 40); ++step)
      trace.points.append({stage, step, 2.0 * std::exp(-step / 20.0) + 0.1, 1e-3, 5000});
  trace.scores = {{0.0, 0.05, 0.10}, {0.90, 0.10, kNaN}, {0.70, 0.95, 0.20}};
  trace.confusions[1] = {{10}};
  trace.confusions[2] = {{9, 1}, {2, 8}};
  trace.summary.ap = 0.6;
  trace.summary.forgetting = 0.2;
  trace.summary.bwt = -0.2;
  trace.summary.fwt = 0.05;
  trace.summary.router_accuracy = 0.85;
  return trace;
}

QVector<TracePoint> loss_points(int stages, int steps) {
  QVector<TracePoint> points;
  points.reserve(stages * steps);
  for (int stage = 1; stage <= stages; ++stage)
    for (int step = 1; step <= steps; ++step)
      points.append(
          {stage, step, 1.0 + std::sin(step * 0.01) + 0.3 * ((step * 7919) % 13) / 13.0, 0, 0});
  return points;
}

QVector<double> values_of(QCPGraph* graph) {
  QVector<double> values;
  for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
    values.append(it->value);
  return values;
}

template <typename Item>
QList<Item*> items_of(QCustomPlot* plot) {
  QList<Item*> items;
  for (int i = 0; i < plot->itemCount(); ++i)
    if (auto* item = qobject_cast<Item*>(plot->item(i)); item && item->visible())
      items.append(item);
  return items;
}

QList<QCustomPlot*> plots_of(const RunPlots& plots) {
  return {plots.lossPlot()->plot(), plots.retentionPlot()->plot(), plots.scoreHeatmap()->plot(),
          plots.confusionHeatmap()->plot()};
}

std::vector<std::unique_ptr<QSignalSpy>> replot_spies(const RunPlots& plots) {
  std::vector<std::unique_ptr<QSignalSpy>> spies;
  for (QCustomPlot* plot : plots_of(plots))
    spies.push_back(std::make_unique<QSignalSpy>(plot, &QCustomPlot::afterReplot));
  return spies;
}

}  // namespace

class TestPlots : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void runPlotsDrawTheTrace();
  void runWithoutRouterHidesConfusion();
  void aRunThatTrainedNothingSaysWhy();
  void aStageAnotherRunTrainedIsNamed();
  void lossPlotAppendsLivePoints();
  void stageLabelsNeverOverlap();
  void smoothingIsDebiasedPerStage();
  void millionLossPoints();
  void heatmapFormatsAndContrast();
  void exportsPngAndPdf();
  void burstsOfSetTraceReplotAFewTimes();
  void zoomIsKeptForTheSameRunOnly();
  void emptyPlotsSayWhatToDo();
  void hoverReadsOutTheValues();
  void legendClickHidesASeries();
  void logScale();
  void xAsStepOrWallTime();
  void plotsFollowThePalette();
  void runAndTaskColours();
  void debiasedEma();
  void stageLabelsFitAt1280();
};

void TestPlots::aRunThatTrainedNothingSaysWhy() {
  RunPlots plots;
  RunTrace trace = sample_trace();
  trace.strategy = "switchcit";
  trace.points.clear();  // its experts came from an earlier oracle run
  plots.setTrace(trace);
  QTRY_VERIFY(plots.lossPlot()->emptyText().contains("earlier run"));
  plots.setTrace(sample_trace());
  QTRY_VERIFY(plots.lossPlot()->emptyText().isEmpty());
}

// Replay's first stage is seq-lora's shared expert: its curve starts at stage 2, and the plot says
// why (the walk found it saying nothing); a stage still training is not named.
void TestPlots::aStageAnotherRunTrainedIsNamed() {
  RunPlots plots;
  RunTrace trace = sample_trace();
  trace.strategy = trace.label = "replay";
  trace.points.erase(std::remove_if(trace.points.begin(), trace.points.end(),
                                    [](const TracePoint& p) { return p.stage == 1; }),
                     trace.points.end());
  plots.setTrace(trace);
  QTRY_COMPARE(plots.lossPlot()->note(),
               QString("stage 1 reverse: trained by an earlier run (shared expert)"));
  trace.strategy = trace.label = "seq-ft";  // full fine-tuning shares nothing
  plots.setTrace(trace);
  QTRY_COMPARE(plots.lossPlot()->note(), QString("stage 1 reverse: no steps recorded"));
  plots.setTrace(sample_trace());  // every finished stage trained here
  QTRY_VERIFY(plots.lossPlot()->note().isEmpty());
}

void TestPlots::runPlotsDrawTheTrace() {
  RunPlots plots;
  plots.resize(1200, 800);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  auto spies = replot_spies(plots);
  plots.setTrace(sample_trace());
  QTRY_VERIFY(spies[0]->count() > 0 && spies[1]->count() > 0 && spies[2]->count() > 0 &&
              spies[3]->count() > 0);

  // Loss: 90 points; stage 2's first step follows stage 1's last on the global axis.
  LossPlot* loss = plots.lossPlot();
  QCOMPARE(loss->rawGraph()->data()->size(), 90);
  QCOMPARE((loss->rawGraph()->data()->constBegin() + 49)->key, 50.0);
  QCOMPARE((loss->rawGraph()->data()->constBegin() + 50)->key, 51.0);
  QCOMPARE(loss->plot()->xAxis->label(), QString("step"));
  QCOMPARE(loss->plot()->yAxis->label(), QString("loss"));
  const auto lines = items_of<QCPItemStraightLine>(loss->plot());
  QCOMPARE(lines.size(), 1);
  QCOMPARE(lines[0]->point1->coords().x(), 50.5);
  QStringList labels;
  for (QCPItemText* text : items_of<QCPItemText>(loss->plot())) labels << text->text();
  QCOMPARE(labels, QStringList({"1 reverse", "2 capitalize"}));

  // Retention: one line per task in %, the unevaluated cell a NaN (a gap), not 0.
  QCustomPlot* retention = plots.retentionPlot()->plot();
  QCOMPARE(retention->graphCount(), 3);
  for (int j = 0; j < 3; ++j) QCOMPARE(retention->graph(j)->data()->size(), 3);
  QCOMPARE(retention->graph(0)->name(), QString("reverse"));
  QCOMPARE((retention->graph(0)->data()->constBegin() + 1)->value, 90.0);
  QCOMPARE((retention->graph(1)->data()->constBegin() + 2)->value, 95.0);
  QVERIFY(std::isnan((retention->graph(2)->data()->constBegin() + 1)->value));
  QVERIFY(retention->legend->visible());
  QCOMPARE(retention->legend->itemCount(), 3);
  QVERIFY(retention->graph(0)->pen().color() != retention->graph(1)->pen().color());
  // 0..100 %, with room for the markers on the edges.
  QVERIFY(retention->yAxis->range().lower <= 0 && retention->yAxis->range().lower > -5);
  QVERIFY(retention->yAxis->range().upper >= 100 && retention->yAxis->range().upper < 105);
  QCOMPARE(retention->yAxis->label(), QString("score (%)"));
  auto ticker = retention->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QVERIFY(ticker);
  QCOMPARE(ticker->ticks().value(0), QString("0 (base)"));
  QCOMPARE(ticker->ticks().value(1), QString("1 reverse"));
  QCOMPARE(ticker->ticks().value(3), QString("3 copy"));  // the planned stage, not yet run

  // Score matrix in %, fixed 0..100, the NaN cell grey with a dash.
  MatrixHeatmap* scores = plots.scoreHeatmap();
  QCOMPARE(scores->rowCount(), 3);
  QCOMPARE(scores->columnCount(), 3);
  QCOMPARE(scores->colorMap()->data()->cell(0, 1), 90.0);  // (column, row)
  QCOMPARE(scores->colorMap()->data()->cell(1, 2), 95.0);
  QVERIFY(std::isnan(scores->colorMap()->data()->cell(2, 1)));
  QCOMPARE(scores->cellText(1, 0), QString("90.0"));
  QCOMPARE(scores->cellText(0, 1), QString("5.0"));
  QCOMPARE(scores->cellText(1, 2), QString::fromUtf8("\u2013"));
  QCOMPARE(scores->colorRange(), qMakePair(0.0, 100.0));
  QCOMPARE(scores->colorScale()->axis()->label(), QString("score (%)"));
  auto rows = scores->plot()->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QCOMPARE(rows->ticks().value(2), QString("2 capitalize"));

  // Confusion: a stage picker over stages 1 and 2, on the newest; counts as integers.
  QVERIFY(plots.confusionPanel()->isVisible());
  QSlider* slider = plots.confusionSlider();
  QCOMPARE(slider->minimum(), 0);
  QCOMPARE(slider->maximum(), 1);
  QCOMPARE(slider->value(), 1);
  MatrixHeatmap* confusion = plots.confusionHeatmap();
  QCOMPARE(confusion->rowCount(), 2);
  QCOMPARE(confusion->cellText(0, 0), QString("9"));
  QCOMPARE(confusion->cellText(0, 1), QString("1"));
  QCOMPARE(confusion->cellText(1, 0), QString("2"));
  QCOMPARE(confusion->colorRange(), qMakePair(0.0, 9.0));
  auto predicted = confusion->plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QCOMPARE(predicted->ticks().value(1), QString("capitalize"));
  slider->setValue(0);
  QCOMPARE(confusion->rowCount(), 1);
  QCOMPARE(confusion->cellText(0, 0), QString("10"));

  const QString summary = plots.summaryLabel()->text();
  QVERIFY2(summary.contains("AP 60.0 %"), qPrintable(summary));
  QVERIFY2(summary.contains("forgetting 20.0 %"), qPrintable(summary));
  QVERIFY2(summary.contains("BWT -20.0 %"), qPrintable(summary));
  QVERIFY2(summary.contains("FWT +5.0 %"), qPrintable(summary));
  QVERIFY2(summary.contains("router accuracy 85.0 %"), qPrintable(summary));

  // A new stage's confusion arrives while the user looks at stage 1: the slider stays there.
  RunTrace more = sample_trace();
  more.confusions[3] = {{9, 1, 0}, {1, 9, 0}, {0, 0, 10}};
  plots.setTrace(more);
  QTRY_COMPARE(slider->maximum(), 2);
  QCOMPARE(slider->value(), 0);
}

void TestPlots::runWithoutRouterHidesConfusion() {
  RunPlots plots;
  plots.resize(1000, 700);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  RunTrace trace = sample_trace();
  trace.strategy = "seq-lora";
  trace.confusions.clear();
  trace.summary = RunSummary{};
  auto spies = replot_spies(plots);
  plots.setTrace(trace);
  QTRY_VERIFY(spies[0]->count() > 0);
  QVERIFY(plots.confusionPanel()->isHidden());
  const QString dash = QString::fromUtf8("\u2013");
  QCOMPARE(plots.summaryLabel()->text(), RunPlots::summaryText({}));
  QVERIFY(plots.summaryLabel()->text().contains("router accuracy " + dash));
  QVERIFY(plots.summaryLabel()->text().startsWith("AP " + dash));

  // A run that has only just been created draws empty plots.
  plots.setTrace(RunTrace{});
  QTRY_COMPARE(plots.lossPlot()->rawGraph()->data()->size(), 0);
  QCOMPARE(plots.scoreHeatmap()->rowCount(), 0);

  // Multitask trains all tasks in its one stage.
  RunTrace multitask;
  multitask.strategy = "multitask";
  multitask.tasks = {"a", "b"};
  QCOMPARE(RunPlots::stageLabels(multitask), QStringList({"all tasks"}));
}

void TestPlots::lossPlotAppendsLivePoints() {
  const QVector<TracePoint> all = loss_points(3, 40);
  LossPlot live, whole;
  live.setSmoothing(0.8);
  whole.setSmoothing(0.8);
  const QStringList stages = {"a", "b", "c"};
  // Grown in uneven slices, as events arrive, across stage boundaries.
  for (int n : {0, 1, 25, 40, 41, 90, 120}) live.setPoints(all.mid(0, n), stages);
  whole.setPoints(all, stages);
  QCOMPARE(values_of(live.rawGraph()), values_of(whole.rawGraph()));
  QCOMPARE(values_of(live.smoothedGraph()), values_of(whole.smoothedGraph()));
  QCOMPARE(items_of<QCPItemStraightLine>(live.plot()).size(), 2);
  QCOMPARE((live.rawGraph()->data()->constEnd() - 1)->key, 120.0);

  // Another run (or a restarted stage) replaces the picture instead of appending to it.
  QVector<TracePoint> other = loss_points(1, 10);
  other[0].loss = 42;
  live.setPoints(other, {"x"});
  QCOMPARE(live.rawGraph()->data()->size(), 10);
  QCOMPARE(live.rawGraph()->data()->constBegin()->value, 42.0);
  QCOMPARE(items_of<QCPItemStraightLine>(live.plot()).size(), 0);
  QCOMPARE(items_of<QCPItemText>(live.plot()).size(), 1);
}

void TestPlots::stageLabelsNeverOverlap() {
  // Five short stages with long task names in a narrow plot: a label that does not fit before
  // the next boundary shrinks to its stage number; with room, each label is whole again.
  const QStringList stages = {"reverse", "capitalize", "count", "spell", "last-word"};
  LossPlot plot;
  plot.resize(420, 300);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.setPoints(loss_points(5, 8), stages);
  plot.plot()->replot();
  auto labels = items_of<QCPItemText>(plot.plot());
  QCOMPARE(labels.size(), 5);
  int brief = 0;
  for (int i = 0; i < labels.size(); ++i) {
    if (labels[i]->text() == QString::number(i + 1)) ++brief;
    if (i > 0)
      QVERIFY2(labels[i - 1]->bottomRight->pixelPosition().x() <=
                   labels[i]->topLeft->pixelPosition().x() + 0.5,
               qPrintable(labels[i - 1]->text() + " runs into " + labels[i]->text()));
  }
  QVERIFY(brief > 0);
  plot.resize(1600, 300);
  plot.setPoints(loss_points(5, 200), stages);
  QTRY_COMPARE(plot.plot()->width(), 1600);
  plot.plot()->replot();
  QStringList whole;
  for (QCPItemText* label : items_of<QCPItemText>(plot.plot())) whole << label->text();
  QCOMPARE(whole, (QStringList{"1 reverse", "2 capitalize", "3 count", "4 spell", "5 last-word"}));
}

void TestPlots::smoothingIsDebiasedPerStage() {
  // TensorBoard's numbers: w = 0.5 over 2, 4 gives 2, then (0.5*1 + 0.5*4) / 0.75.
  const QVector<double> smoothed = LossPlot::smooth({2, 4}, 0.5);
  QCOMPARE(smoothed[0], 2.0);
  QCOMPARE(smoothed[1], 2.5 / 0.75);
  QVERIFY(std::isnan(LossPlot::smooth({kNaN}, 0.5)[0]));

  LossPlot plot;
  const QVector<TracePoint> points = loss_points(2, 30);
  plot.setPoints(points, {"a", "b"});
  plot.setSmoothing(0);  // off (the default is TensorBoard's 0.6): the raw curve alone, solid
  QVERIFY(!plot.smoothedGraph()->visible());
  const QColor solid = plot.rawGraph()->pen().color();

  plot.setSmoothing(0.9);
  QCOMPARE(plot.smoothing(), 0.9);
  QVERIFY(plot.smoothedGraph()->visible());
  // Faint (lighter) under the smoothed curve.
  QVERIFY(plot.rawGraph()->pen().color().lightness() > solid.lightness());
  const QVector<double> raw = values_of(plot.rawGraph());
  const QVector<double> drawn = values_of(plot.smoothedGraph());
  QCOMPARE(drawn.size(), raw.size());
  QCOMPARE(drawn[0], raw[0]);  // debiased: not pulled towards 0
  QVERIFY(drawn != raw);
  // Stage 2 starts its own average, so its first smoothed value is its first loss again.
  QCOMPARE(drawn[30], raw[30]);
  QCOMPARE(drawn.mid(0, 30), LossPlot::smooth(raw.mid(0, 30), 0.9));
  QCOMPARE(drawn.mid(30), LossPlot::smooth(raw.mid(30), 0.9));

  plot.setSmoothing(5);  // clamped
  QCOMPARE(plot.smoothing(), 0.99);
  plot.setSmoothing(0);
  QVERIFY(!plot.smoothedGraph()->visible());
}

void TestPlots::millionLossPoints() {
  LossPlot plot;
  plot.resize(900, 500);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  const QVector<TracePoint> points = loss_points(4, 250000);

  plot.setPoints(points, {"a", "b", "c", "d"});
  plot.plot()->replot();
  QCOMPARE(plot.rawGraph()->data()->size(), 1000000);
  QVERIFY(plot.rawGraph()->adaptiveSampling());
  QCOMPARE((plot.rawGraph()->data()->constEnd() - 1)->key, 1000000.0);

  plot.setSmoothing(0.95);
  plot.plot()->replot();
  QCOMPARE(plot.smoothedGraph()->data()->size(), 1000000);

  // The live case: ten more points append to the million, they do not rebuild it.
  QVector<TracePoint> more = points;
  for (int step = 250001; step <= 250010; ++step) more.append({4, step, 1.0, 0, 0});
  plot.setPoints(more, {"a", "b", "c", "d"});
  plot.plot()->replot();
  QCOMPARE(plot.rawGraph()->data()->size(), 1000010);
  QCOMPARE(plot.smoothedGraph()->data()->size(), 1000010);

  QTemporaryDir dir;
  QVERIFY(plot.exportPng(dir.filePath("million.png")));
  QCOMPARE(QImage(dir.filePath("million.png")).width(), 2 * plot.plot()->width());
  QVERIFY(plot.exportPdf(dir.filePath("million.pdf")));
  QVERIFY(QFileInfo(dir.filePath("million.pdf")).size() > 0);
}

void TestPlots::heatmapFormatsAndContrast() {
  QCOMPARE(MatrixHeatmap::formatValue(12.345, "%.1f"), QString("12.3"));
  QCOMPARE(MatrixHeatmap::formatValue(7, "%.0f"), QString("7"));
  QCOMPARE(MatrixHeatmap::formatValue(50, "%.1f%%"), QString("50.0%"));
  QCOMPARE(MatrixHeatmap::formatValue(2, "%+.1f"), QString("+2.0"));
  QCOMPARE(MatrixHeatmap::formatValue(12.345, "%s"), QString("12.35"));  // no crash, %.4g

  MatrixHeatmap heatmap;
  heatmap.setColorRange(0, 100);
  heatmap.setMatrix({{0, 100, kNaN}}, {"row"}, {"low", "high", "none"}, "%.0f");
  QCOMPARE(heatmap.cellTextColor(0, 0), QColor(Qt::white));  // on viridis' dark purple
  QCOMPARE(heatmap.cellTextColor(0, 1), QColor(Qt::black));  // on its yellow
  QCOMPARE(heatmap.cellText(0, 2), QString::fromUtf8("\u2013"));
  QCOMPARE(heatmap.cellText(5, 5), QString());

  // A range shared from outside, and back to the data's own.
  heatmap.setColorRange(0, 400);
  QCOMPARE(heatmap.colorRange(), qMakePair(0.0, 400.0));
  QCOMPARE(heatmap.cellTextColor(0, 1), QColor(Qt::white));  // a quarter up: dark blue
  heatmap.setAutoColorRange();
  QCOMPARE(heatmap.colorRange(), qMakePair(0.0, 100.0));

  // Rows shorter than the labels are padded; an all-NaN matrix keeps a usable range.
  heatmap.setMatrix({{kNaN}}, {"r0", "r1"}, {"c0", "c1"}, "%.1f");
  QCOMPARE(heatmap.rowCount(), 2);
  QCOMPARE(heatmap.columnCount(), 2);
  QCOMPARE(heatmap.cellText(1, 1), QString::fromUtf8("\u2013"));
  QVERIFY(heatmap.colorRange().second > heatmap.colorRange().first);

  heatmap.setMatrix({}, {}, {}, "%.1f");
  QCOMPARE(heatmap.rowCount(), 0);
  QVERIFY(!heatmap.colorMap()->visible());
  QVERIFY(items_of<QCPItemText>(heatmap.plot()).isEmpty());
}

void TestPlots::exportsPngAndPdf() {
  RunPlots plots;
  plots.resize(1200, 800);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  auto spies = replot_spies(plots);
  plots.setTrace(sample_trace());
  QTRY_VERIFY(spies[3]->count() > 0);
  plots.lossPlot()->setSmoothing(0.6);
  QTemporaryDir dir;
  QVERIFY(dir.isValid());

  struct Target {
    QString name;
    QCustomPlot* plot;
    std::function<bool(const QString&)> png, pdf;
  };
  const QList<Target> targets = {
      {"loss", plots.lossPlot()->plot(),
       [&](const QString& p) { return plots.lossPlot()->exportPng(p); },
       [&](const QString& p) { return plots.lossPlot()->exportPdf(p); }},
      {"retention", plots.retentionPlot()->plot(),
       [&](const QString& p) { return plots.retentionPlot()->exportPng(p); },
       [&](const QString& p) { return plots.retentionPlot()->exportPdf(p); }},
      {"scores", plots.scoreHeatmap()->plot(),
       [&](const QString& p) { return plots.scoreHeatmap()->exportPng(p); },
       [&](const QString& p) { return plots.scoreHeatmap()->exportPdf(p); }},
      {"confusion", plots.confusionHeatmap()->plot(),
       [&](const QString& p) { return plots.confusionHeatmap()->exportPng(p); },
       [&](const QString& p) { return plots.confusionHeatmap()->exportPdf(p); }},
  };
  for (const Target& target : targets) {
    const QString png = dir.filePath(target.name + ".png");
    const QString pdf = dir.filePath(target.name + ".pdf");
    QVERIFY2(target.png(png), qPrintable(target.name));
    QImage image(png);
    QVERIFY2(!image.isNull(), qPrintable(target.name));
    QCOMPARE(image.width(), 2 * target.plot->width());
    QCOMPARE(image.height(), 2 * target.plot->height());
    QVERIFY2(target.pdf(pdf), qPrintable(target.name));
    QFile file(pdf);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY2(file.read(4) == "%PDF", qPrintable(target.name));
    QVERIFY(file.size() > 1000);
  }
  // A folder that does not exist: false, not a crash.
  QVERIFY(!plots.lossPlot()->exportPng(dir.filePath("missing/loss.png")));

  // A plot that was never shown still exports at a readable size.
  LossPlot hidden;
  hidden.setPoints(sample_trace().points, {"reverse", "capitalize"});
  QVERIFY(hidden.exportPng(dir.filePath("hidden.png")));
  QCOMPARE(QImage(dir.filePath("hidden.png")).size(), QSize(1600, 1000));
}

void TestPlots::burstsOfSetTraceReplotAFewTimes() {
  RunPlots plots;
  plots.resize(1200, 800);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  RunTrace trace = sample_trace();
  plots.setTrace(trace);
  QTest::qWait(3 * RunPlots::kRefreshMs);  // the first picture and its layout settle

  // A burst without a pause, as a backlog of events read at once: one redraw.
  auto spies = replot_spies(plots);
  for (int step = 1; step <= 500; ++step) {
    trace.points.append({3, step, 1.0 / step, 1e-3, 5000});
    plots.setTrace(trace);
  }
  QTRY_VERIFY(spies[0]->count() > 0);
  QTest::qWait(3 * RunPlots::kRefreshMs);
  QCOMPARE(plots.lossPlot()->rawGraph()->data()->size(), 90 + 500);
  for (const auto& spy : spies)
    QVERIFY2(spy->count() <= 2, qPrintable(QString::number(spy->count())));

  // Events spread over time, each followed by a turn of the event loop: far fewer redraws than
  // updates, and plots whose data did not change (the matrices) are not redrawn at all.
  spies = replot_spies(plots);
  for (int step = 501; step <= 700; ++step) {
    trace.points.append({3, step, 1.0 / step, 1e-3, 5000});
    plots.setTrace(trace);
    QTest::qWait(1);
  }
  QTest::qWait(3 * RunPlots::kRefreshMs);
  QCOMPARE(plots.lossPlot()->rawGraph()->data()->size(), 90 + 700);
  QVERIFY(spies[0]->count() >= 1);
  QVERIFY2(spies[0]->count() < 200 / 2, qPrintable(QString::number(spies[0]->count())));
  for (int i = 1; i < 4; ++i) QCOMPARE(spies[i]->count(), 0);
}

namespace {

// A real wheel turn over the middle of the plot's axis rect, as QCustomPlot receives it.
void wheel_zoom_in(QCustomPlot* plot) {
  const QPointF at = plot->axisRect()->rect().center();
  QWheelEvent event(at, plot->mapToGlobal(at), QPoint(), QPoint(0, 4 * 120), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(plot, &event);
}

void mouse_move(QWidget* widget, const QPointF& at) {
  QMouseEvent event(QEvent::MouseMove, at, widget->mapToGlobal(at), Qt::NoButton, Qt::NoButton,
                    Qt::NoModifier);
  QApplication::sendEvent(widget, &event);
}

RunTrace other_run() {
  // Another run, with a curve far from sample_trace's: 600 steps of loss ~ 40.
  RunTrace trace;
  trace.id = 8;
  trace.key = "demo/seq-ft/seed0";
  trace.strategy = "seq-ft";
  trace.label = "seq-ft";
  trace.tasks = {"count"};
  trace.stages = 1;
  for (int step = 1; step <= 600; ++step) trace.points.append({1, step, 40.0 + step / 100.0, 0, 0});
  return trace;
}

}  // namespace

// Defect: a wheel zoom on one run's loss plot was kept for the next run, whose curve then lay
// outside the kept axes. The zoom lasts while the same run is shown (and grows); another run
// resets the view; Home (and double-click) returns to following the data.
void TestPlots::zoomIsKeptForTheSameRunOnly() {
  RunPlots plots;
  plots.resize(1200, 800);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  plots.setTrace(sample_trace());
  QCustomPlot* loss = plots.lossPlot()->plot();
  QTRY_COMPARE(plots.lossPlot()->rawGraph()->data()->size(), 90);
  loss->replot();
  const QCPRange whole = loss->xAxis->range();
  wheel_zoom_in(loss);
  const QCPRange zoomed = loss->xAxis->range();
  QVERIFY2(zoomed.size() < 0.8 * whole.size(), qPrintable(QString::number(zoomed.size())));

  // The same run, grown: the user's zoom stays.
  RunTrace more = sample_trace();
  for (int step = 41; step <= 60; ++step) more.points.append({2, step, 0.2, 1e-3, 5000});
  plots.setTrace(more);
  QTRY_COMPARE(plots.lossPlot()->rawGraph()->data()->size(), 110);
  QCOMPARE(loss->xAxis->range(), zoomed);

  // Another run: its whole curve is in view.
  plots.setTrace(other_run());
  QTRY_COMPARE(plots.lossPlot()->rawGraph()->data()->size(), 600);
  QVERIFY(plots.lossPlot()->followsData());
  QVERIFY(loss->xAxis->range().contains(1) && loss->xAxis->range().contains(600));
  QVERIFY(loss->yAxis->range().contains(40) && loss->yAxis->range().contains(46));

  // Home returns to the whole curve after a zoom.
  wheel_zoom_in(loss);
  QVERIFY(!plots.lossPlot()->followsData());
  QVERIFY(!loss->xAxis->range().contains(1) || !loss->xAxis->range().contains(600));
  QTest::keyClick(loss, Qt::Key_Home);
  QVERIFY(plots.lossPlot()->followsData());
  QVERIFY(loss->xAxis->range().contains(1) && loss->xAxis->range().contains(600));
}

// Defect: the first start (no run) and empty plots showed placeholder axes and an empty legend
// box. Each shows a sentence saying what to do or why it is empty, instead of its axes.
void TestPlots::emptyPlotsSayWhatToDo() {
  RunPlots plots;
  plots.resize(1000, 700);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  QVERIFY2(plots.emptyText().contains("Select a run"), qPrintable(plots.emptyText()));
  QVERIFY(!plots.lossPlot()->isVisible());
  plots.showEmpty("No run matches the filter.");
  QCOMPARE(plots.emptyText(), QString("No run matches the filter."));

  // A run just created: each plot says what it waits for, no empty axes.
  RunTrace created;
  created.id = 3;
  created.tasks = {"reverse", "count"};
  created.stages = 2;
  plots.setTrace(created);
  QTRY_COMPARE(plots.emptyText(), QString());
  QTRY_VERIFY(!plots.lossPlot()->emptyText().isEmpty());
  QVERIFY(!plots.lossPlot()->plot()->isVisible());
  QVERIFY(!plots.retentionPlot()->emptyText().isEmpty());
  QVERIFY(!plots.retentionPlot()->plot()->isVisible());
  QVERIFY(!plots.scoreHeatmap()->emptyText().isEmpty());
  QVERIFY(!plots.scoreHeatmap()->plot()->isVisible());

  // Data arrives: the plots replace the sentences.
  plots.setTrace(sample_trace());
  QTRY_VERIFY(plots.lossPlot()->plot()->isVisible());
  QCOMPARE(plots.lossPlot()->emptyText(), QString());
  QVERIFY(plots.retentionPlot()->plot()->isVisible());
  QVERIFY(plots.scoreHeatmap()->plot()->isVisible());
}

// The read-out under the cursor: the nearest recorded step, its stage and task, the loss and
// the smoothed loss, and a tracer on the curve; it goes when the cursor leaves.
void TestPlots::hoverReadsOutTheValues() {
  LossPlot plot;
  plot.resize(800, 400);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  QVector<TracePoint> points;
  for (int stage = 1; stage <= 2; ++stage)
    for (int step = 1; step <= 50; ++step) points.append({stage, step, stage * 10.0 + step, 0, 0});
  plot.setPoints(points, {"reverse", "capitalize"});
  plot.setSmoothing(0.5);
  plot.plot()->replot();
  QCOMPARE(plot.hoverText(), QString());
  // Over stage 2's step 10 (global step 60).
  const double x = plot.plot()->xAxis->coordToPixel(60.2);
  const double y = plot.plot()->axisRect()->rect().center().y();
  mouse_move(plot.plot(), QPointF(x, y));
  const QString text = plot.hoverText();
  QVERIFY2(text.contains("step 10 · stage 2 capitalize"), qPrintable(text));
  QVERIFY2(text.contains("loss 30"), qPrintable(text));
  QVERIFY2(text.contains("smoothed "), qPrintable(text));
  QVERIFY(plot.tracer()->visible());
  QCOMPARE(plot.tracer()->graphKey(), 60.0);
  QEvent leave(QEvent::Leave);
  QApplication::sendEvent(plot.plot(), &leave);
  QCOMPARE(plot.hoverText(), QString());
  QVERIFY(!plot.tracer()->visible());
}

// A click on a legend entry hides its series; a second click shows it again.
void TestPlots::legendClickHidesASeries() {
  LossPlot plot;
  plot.resize(800, 400);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.setPoints(loss_points(1, 100), {"a"});
  plot.setSmoothing(0.6);
  plot.plot()->replot();
  QCPAbstractLegendItem* entry = plot.plot()->legend->itemWithPlottable(plot.rawGraph());
  QVERIFY(entry);
  const QPoint at = entry->rect().center();
  QTest::mouseClick(plot.plot(), Qt::LeftButton, Qt::NoModifier, at);
  QVERIFY(!plot.rawGraph()->visible());
  QVERIFY(plot.smoothedGraph()->visible());
  plot.plot()->replot();
  QTest::mouseClick(plot.plot(), Qt::LeftButton, Qt::NoModifier, at);
  QVERIFY(plot.rawGraph()->visible());
}

// Log or linear y, from the controls above the plot; the range stays positive on a log axis.
void TestPlots::logScale() {
  LossPlot plot;
  plot.setPoints(loss_points(2, 100), {"a", "b"});
  QVERIFY(!plot.logY());
  plot.controls()->setLogY(true);
  QVERIFY(plot.logY());
  QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(plot.plot()->yAxis->range().lower > 0);
  QVERIFY(plot.plot()->yAxis->range().contains(1.0));
  plot.controls()->setLogY(false);
  QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLinear);
  // The smoothing slider drives the EMA (TensorBoard's default at first).
  QCOMPARE(plot.smoothing(), 0.6);
  plot.controls()->setSmoothing(0.9);
  QCOMPARE(plot.smoothing(), 0.9);
}

// Plots take their frame from the palette and follow a change of it (a dark desktop).
void TestPlots::plotsFollowThePalette() {
  const QPalette light = QApplication::palette();
  RunPlots plots;
  plots.setTrace(sample_trace());
  QTRY_COMPARE(plots.lossPlot()->rawGraph()->data()->size(), 90);
  QCustomPlot* loss = plots.lossPlot()->plot();
  QCOMPARE(is_dark(light), false);
  QVERIFY(loss->xAxis->tickLabelColor().lightnessF() < 0.5);
  QApplication::setPalette(dark_palette());
  QTRY_VERIFY(is_dark(plots.palette()));
  for (QCustomPlot* plot : {loss, plots.retentionPlot()->plot(), plots.scoreHeatmap()->plot()}) {
    QVERIFY(plot->xAxis->tickLabelColor().lightnessF() > 0.5);
    QVERIFY(plot->xAxis->basePen().color().lightnessF() > 0.3);
  }
  QImage image = loss->toPixmap(200, 100).toImage();
  QVERIFY(QColor(image.pixel(2, 2)).lightnessF() < 0.3);  // the background
  QApplication::setPalette(light);
  QTRY_VERIFY(loss->xAxis->tickLabelColor().lightnessF() < 0.5);
}

// One colour per run, from its id: the same in every call, different for neighbouring ids,
// and none a task's colour.
void TestPlots::runAndTaskColours() {
  QCOMPARE(run_color(42), run_color(42));
  QSet<QRgb> seen;
  for (int id = 100; id < 100 + run_color_count(); ++id) seen.insert(run_color(id).rgb());
  QCOMPARE(int(seen.size()), run_color_count());
  for (int task = 0; task < 10; ++task) QVERIFY(!seen.contains(task_color(task).rgb()));
  QCOMPARE(task_color(0), QColor(0x1f, 0x77, 0xb4));  // tab10's first
  QCOMPARE(RetentionPlot::taskColor(3), task_color(3));
  QCOMPARE(run_color(-1), run_color(run_color_count() - 1));

  // The loss plot draws a run in its colour.
  RunPlots plots;
  plots.setTrace(sample_trace());
  QTRY_COMPARE(plots.lossPlot()->smoothedGraph()->pen().color(), run_color(7));
}

void TestPlots::debiasedEma() {
  // w = 0.5 on 1, 2, 3: averages 0.5, 1.25, 2.125 over 1 - w^t = 0.5, 0.75, 0.875.
  const QVector<double> out = debiased_ema({1, 2, 3}, 0.5);
  QCOMPARE(out[0], 1.0);
  QCOMPARE(out[1], 1.25 / 0.75);
  QCOMPARE(out[2], 2.125 / 0.875);
  const QVector<double> gap = debiased_ema({1, kNaN, 3}, 0.5);
  QVERIFY(std::isnan(gap[1]));
  QCOMPARE(gap[2], (0.5 * 0.5 + 0.5 * 3) / 0.75);
  QCOMPARE(LossPlot::smooth({1, 2, 3}, 0.5), out);
}

// Defect: at 1280x720 (and with 5 stages at 1400) the retention plot's stage labels overlapped.
// They are whole and level with room, slanted where level ones would collide, numbers where even
// slanted ones would; drawn, no two labels' extents overlap.
void TestPlots::stageLabelsFitAt1280() {
  const QFont font;
  const QStringList full = {"0 (base)", "1 reverse", "2 capitalize",
                            "3 count",  "4 spell",   "5 last-word"};
  const QStringList brief = {"base", "1", "2", "3", "4", "5"};
  QCOMPARE(fit_tick_labels(full, brief, 400, font).labels, full);
  QCOMPARE(fit_tick_labels(full, brief, 400, font).rotation, 0.0);
  const TickLabels slanted = fit_tick_labels(full, brief, 45, font);
  QCOMPARE(slanted.rotation, kSlantedTickDegrees);
  QCOMPARE(slanted.labels.size(), 6);
  QCOMPARE(fit_tick_labels(full, brief, 8, font).labels, brief);

  // The run view's retention plot at the width it gets in a 1280x720 window.
  RunPlots plots;
  plots.resize(880, 560);  // what the run view gets of a 1280x720 window
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  RunTrace trace = sample_trace();
  trace.tasks = {"reverse", "capitalize", "count", "spell", "last-word"};
  trace.stages = 5;
  plots.setTrace(trace);
  QCustomPlot* retention = plots.retentionPlot()->plot();
  QTRY_COMPARE(retention->graphCount(), 5);
  retention->replot();
  retention->replot();  // the second layout uses the labels chosen for the first
  const auto ticker = retention->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QVERIFY(ticker);
  const double spacing = retention->axisRect()->width() / retention->xAxis->range().size();
  const QFontMetricsF metrics(retention->xAxis->tickLabelFont());
  const double rotation = retention->xAxis->tickLabelRotation();
  for (const QString& label : ticker->ticks()) {
    // Level labels must be narrower than a stage; slanted ones need a line height across.
    const double needed = rotation == 0 ? metrics.horizontalAdvance(label) : metrics.height() * 1.2;
    QVERIFY2(needed <= spacing, qPrintable(QString("%1 in %2 px").arg(label).arg(spacing)));
  }
}

// x as step or wall time (issue 21's conventions): the same points keyed by the global step or
// by the seconds since the run's first step, stage boundaries at the stage's first step's time;
// a run whose points have no times (stored before schema version 6) keeps the step axis.
void TestPlots::xAsStepOrWallTime() {
  LossPlot plot;
  QVector<TracePoint> points;
  const int64_t start = 1'765'000'000'000;
  for (int step = 1; step <= 4; ++step)  // stage 1: a step every 2 s
    points.append({1, step, 1.0 / step, 1e-3, 100, start + 2000 * step});
  for (int step = 1; step <= 3; ++step)  // stage 2 starts 10 s after its last step
    points.append({2, step, 0.5 / step, 1e-3, 100, start + 18'000 + 1000 * step});
  plot.setPoints(points, {"reverse", "count"});
  const auto keys = [&] {
    QVector<double> out;
    for (auto it = plot.rawGraph()->data()->constBegin(); it != plot.rawGraph()->data()->constEnd();
         ++it)
      out << it->key;
    return out;
  };
  QCOMPARE(plot.xAxis(), XAxis::Step);
  QCOMPARE(keys(), (QVector<double>{1, 2, 3, 4, 5, 6, 7}));
  QVERIFY(plot.wallTimeAvailable());

  plot.controls()->setXAxis(XAxis::WallTime);  // as the user picks it
  QCOMPARE(plot.xAxis(), XAxis::WallTime);
  QCOMPARE(keys(), (QVector<double>{0, 2, 4, 6, 17, 18, 19}));
  QCOMPARE(plot.smoothedGraph()->data()->size(), 7);
  QCOMPARE((plot.smoothedGraph()->data()->constBegin() + 4)->key, 17.0);
  QVERIFY(plot.plot()->xAxis->label().contains("wall time"));
  QVERIFY(plot.plot()->xAxis->range().upper >= 19);
  // Live points keep coming in wall time.
  points.append({2, 4, 0.1, 1e-3, 100, start + 23'000});
  plot.setPoints(points, {"reverse", "count"});
  QCOMPARE(keys().last(), 21.0);

  plot.controls()->setXAxis(XAxis::Step);
  QCOMPARE(keys(), (QVector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
  QCOMPARE(plot.plot()->xAxis->label(), QString("step"));

  // Points without times (an older database): wall time is not offered, step is drawn, and
  // the choice comes back with the next run that has the times.
  plot.setXAxis(XAxis::WallTime);
  QVector<TracePoint> old = points;
  for (TracePoint& p : old) {
    p.at_ms = 0;
    p.loss *= 2;  // another run's curve
  }
  plot.setRun("other", QColor(Qt::red));
  plot.setPoints(old, {"reverse", "count"});
  QVERIFY(!plot.wallTimeAvailable());
  QCOMPARE(plot.xAxis(), XAxis::Step);
  QCOMPARE(plot.controls()->xAxis(), XAxis::Step);
  QCOMPARE(keys(), (QVector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
  plot.setRun("third", QColor(Qt::blue));
  plot.setPoints(points.mid(0, 5), {"reverse", "count"});
  QCOMPARE(plot.xAxis(), XAxis::WallTime);
  QCOMPARE(keys(), (QVector<double>{0, 2, 4, 6, 17}));
}

QTEST_MAIN(TestPlots)
#include "test_plots.moc"
