// The live plots' one coalescing layer, by counts: however many updates arrive between two
// frames, one frame comes out; none without an update; a cancelled frame does not come; the run
// plots, fed a burst of traces, rebuild their plots once, and each plot replots once per frame.
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

#include "ui/custom_plot.h"
#include "ui/frame_coalescer.h"
#include "ui/loss_plot.h"
#include "ui/matrix_heatmap.h"
#include "ui/retention_plot.h"
#include "ui/run_plots.h"

using sy::ui::FrameCoalescer;
using sy::ui::RunPlots;
using sy::ui::RunTrace;

class TestFrameCoalescer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void aBurstBecomesOneFrame();
  void noUpdateNoFrame();
  void aCancelledFrameDoesNotCome();
  void aBurstOfTracesIsDrawnInOneFrame();
  void eachPlotReplotsOncePerFrame();
};

void TestFrameCoalescer::aBurstBecomesOneFrame() {
  FrameCoalescer frames;
  QSignalSpy spy(&frames, &FrameCoalescer::frame);
  for (int burst = 1; burst <= 3; ++burst) {
    for (int i = 0; i < 10'000; ++i) frames.request();
    QVERIFY(frames.isPending());
    QCOMPARE(spy.size(), burst - 1);  // nothing drawn inside the burst
    QVERIFY(spy.wait());
    QCOMPARE(spy.size(), burst);
    QVERIFY(!frames.isPending());
  }
  QCOMPARE(frames.requests(), 30'000);
  QCOMPARE(frames.frames(), 3);
}

void TestFrameCoalescer::noUpdateNoFrame() {
  FrameCoalescer frames(nullptr, 1);
  QSignalSpy spy(&frames, &FrameCoalescer::frame);
  frames.request();
  QVERIFY(spy.wait());
  // A few more frame intervals with nothing new: no frame.
  QVERIFY(!spy.wait(20));
  QCOMPARE(frames.frames(), 1);
}

void TestFrameCoalescer::aCancelledFrameDoesNotCome() {
  FrameCoalescer frames(nullptr, 1);
  QSignalSpy spy(&frames, &FrameCoalescer::frame);
  frames.request();
  frames.cancel();
  QVERIFY(!frames.isPending());
  QVERIFY(!spy.wait(20));
  QCOMPARE(frames.requests(), 1);
  QCOMPARE(frames.frames(), 0);
}

void TestFrameCoalescer::aBurstOfTracesIsDrawnInOneFrame() {
  RunPlots plots;
  plots.resize(1200, 800);
  plots.show();
  RunTrace trace;
  trace.id = 1;
  trace.strategy = trace.label = QStringLiteral("seq-lora");
  trace.tasks = {QStringLiteral("reverse"), QStringLiteral("sort")};
  trace.stages = 2;
  trace.scores = {{0.1, 0.2}, {0.9, 0.3}};
  plots.setTrace(trace);
  QTRY_COMPARE(plots.frames().frames(), 1);  // the first picture
  QTest::qWait(0);                           // its queued replots

  std::vector<std::unique_ptr<QSignalSpy>> replots;
  replots.push_back(
      std::make_unique<QSignalSpy>(plots.lossPlot()->plot(), &QCustomPlot::afterReplot));
  const int requests = plots.frames().requests();
  for (int step = 1; step <= 5000; ++step) {
    trace.points.append({1, step, 1.0 / step, 0.002, 1000});
    plots.setTrace(trace);
  }
  QCOMPARE(plots.frames().requests() - requests, 5000);
  QTRY_COMPARE(plots.frames().frames(), 2);  // 5000 updates in, one frame out
  // That one frame drew the whole burst.
  QCOMPARE(plots.lossPlot()->rawGraph()->data()->size(), 5000);
  QTRY_VERIFY(!replots[0]->isEmpty());
  QCOMPARE(plots.frames().frames(), 2);
}

// The one coalescing layer (issue 23): bursts of live updates that change every plot — new
// points, a new score row — and tick labels long enough to slant (which used to ask for a second
// layout pass, a second replot): each plot replots once per frame, counted by afterReplot.
void TestFrameCoalescer::eachPlotReplotsOncePerFrame() {
  RunPlots plots;
  plots.resize(700, 500);
  plots.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plots));
  RunTrace trace;
  trace.id = 1;
  trace.strategy = trace.label = QStringLiteral("seq-lora");
  for (int t = 0; t < 6; ++t) trace.tasks << QStringLiteral("a-long-task-name-%1").arg(t);
  trace.stages = 6;
  trace.scores = {{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}};
  // The first picture (a few points, so that the plots, not their sentences, are shown) and
  // whatever the resizes of its first showing bring.
  trace.points.append({1, 0, 2.0, 0.002, 1000});
  plots.setTrace(trace);
  QTRY_COMPARE(plots.frames().frames(), 1);
  QTest::qWait(0);
  QTest::qWait(0);

  const QList<QCustomPlot*> drawn = {plots.lossPlot()->plot(), plots.retentionPlot()->plot(),
                                     plots.scoreHeatmap()->plot()};
  std::vector<std::unique_ptr<QSignalSpy>> replots;
  for (QCustomPlot* plot : drawn)
    replots.push_back(std::make_unique<QSignalSpy>(plot, &QCustomPlot::afterReplot));
  constexpr int kBursts = 5;
  for (int burst = 1; burst <= kBursts; ++burst) {
    const int frames = plots.frames().frames();
    for (int step = 1; step <= 200; ++step) {
      trace.points.append({burst, step, 1.0 / step, 0.002, 1000});  // after stage 1's step 0
      if (step == 100) trace.scores.append({0.9, 0.2 * burst, 0.3, 0.4, 0.5, 0.6});
      plots.setTrace(trace);
    }
    QTRY_COMPARE(plots.frames().frames(), frames + 1);
    QTest::qWait(0);  // anything a replot might have queued behind it
    QTest::qWait(0);
    QVERIFY(!plots.frames().isPending());
    for (size_t p = 0; p < replots.size(); ++p)
      QVERIFY2(replots[p]->size() == burst,
               qPrintable(QString("plot %1: %2 replots after %3 frames")
                              .arg(p)
                              .arg(replots[p]->size())
                              .arg(burst)));
  }
  // The labels did slant: the case that used to need a second replot was exercised.
  QVERIFY(plots.scoreHeatmap()->plot()->xAxis->tickLabelRotation() != 0);
  QCOMPARE(plots.lossPlot()->rawGraph()->data()->size(), 1 + kBursts * 200);
}

QTEST_MAIN(TestFrameCoalescer)
#include "test_frame_coalescer.moc"
