// The runs in progress without a window: events routed to their run's trace, a Slurm plan's
// unstored runs given ids of their own, the shown run followed or kept, and ended runs leaving.
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include "ui/live_traces.h"

using sy::ui::LiveTraces;
using sy::ui::RunTrace;

namespace {

// Events shaped like the engine's (docs/events.md); `run` 0 stands for none (a plan's unit).
QJsonObject make_event(const char* type, int64_t run, QJsonObject fields = {}) {
  fields.insert("type", QLatin1String(type));
  if (run != 0) fields.insert("run", static_cast<qint64>(run));
  return fields;
}

QJsonObject started(int64_t run, const QString& key = {}) {
  QJsonObject fields{{"experiment", "demo"},
                     {"strategy", "seq-lora"},
                     {"label", "seq-lora"},
                     {"seed", 0},
                     {"tasks", QJsonArray{"reverse", "sort"}},
                     {"stages", 2}};
  if (!key.isEmpty()) fields.insert("key", key);
  return make_event("run_started", run, fields);
}

QJsonObject step(int64_t run, int n, const QString& key = {}) {
  QJsonObject fields{{"stage", 1}, {"step", n}, {"loss", 1.0 / n}, {"lr", 0.002}};
  if (!key.isEmpty()) fields.insert("key", key);
  return make_event("train_step", run, fields);
}

}  // namespace

class TestLiveTraces : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void eventsGrowTheirRunsTrace();
  void aStartingRunIsFollowedUntilTheUserPicksOne();
  void anEndedRunLeavesAndStaysShown();
  void unstoredRunsGetIdsOfTheirOwn();
  void showingAStoredRun();
};

void TestLiveTraces::eventsGrowTheirRunsTrace() {
  LiveTraces live;
  QVERIFY(!live.apply(make_event("experiment_started", 0, {{"experiment", "demo"}})).has_value());
  const auto update = live.apply(started(7));
  QVERIFY(update.has_value());
  QCOMPARE(update->run, 7);
  QCOMPARE(update->type, QStringLiteral("run_started"));
  for (int n = 1; n <= 5; ++n) live.apply(step(7, n));
  QVERIFY(live.isLive(7));
  QCOMPARE(live.live(7)->points.size(), 5);
  QCOMPARE(live.live(7)->tasks, (QStringList{"reverse", "sort"}));
  QCOMPARE(live.live(8), nullptr);
}

void TestLiveTraces::aStartingRunIsFollowedUntilTheUserPicksOne() {
  LiveTraces live;
  QVERIFY(live.following());
  QVERIFY(live.apply(started(1))->shown_changed);
  QCOMPARE(live.shown(), 1);
  QVERIFY(live.apply(step(1, 1))->shown);
  QCOMPARE(&live.shownTrace(), live.live(1));  // the live trace itself, not a copy

  // A second run starting takes the view over while following...
  QVERIFY(live.apply(started(2))->shown_changed);
  QCOMPARE(live.shown(), 2);
  QVERIFY(!live.apply(step(1, 2))->shown);

  // ...and not once the user picked a run.
  live.setFollowing(false);
  live.show(1);
  const auto third = live.apply(started(3));
  QVERIFY(!third->shown_changed);
  QVERIFY(!third->shown);
  QCOMPARE(live.shown(), 1);
  QCOMPARE(live.liveCount(), 3);
}

void TestLiveTraces::anEndedRunLeavesAndStaysShown() {
  LiveTraces live;
  live.apply(started(4));
  for (int n = 1; n <= 3; ++n) live.apply(step(4, n));
  const auto end = live.apply(make_event("run_finished", 4, {{"seconds", 1.0}}));
  QVERIFY(end->ended);
  QVERIFY(end->shown);
  QVERIFY(!live.isLive(4));
  QCOMPARE(live.shown(), 4);
  QCOMPARE(live.shownTrace().points.size(), 3);  // the trace as it ended
  QCOMPARE(live.shownTrace().status, QStringLiteral("finished"));

  for (const char* type : {"run_cancelled", "run_failed"}) {
    live.apply(started(5));
    QVERIFY2(live.apply(make_event(type, 5, {{"reason", "x"}}))->ended, type);
    QVERIFY2(!live.isLive(5), type);
  }
}

void TestLiveTraces::unstoredRunsGetIdsOfTheirOwn() {
  LiveTraces live;
  const auto a = live.apply(started(0, "demo/seq-lora/seed0"));
  const auto b = live.apply(started(0, "demo/seq-lora/seed1"));
  QVERIFY(a->run < 0);
  QVERIFY(b->run < 0);
  QVERIFY(a->run != b->run);
  QCOMPARE(live.apply(step(0, 1, "demo/seq-lora/seed0"))->run, a->run);
  QCOMPARE(live.live(a->run)->points.size(), 1);
  QCOMPARE(live.live(b->run)->points.size(), 0);
}

void TestLiveTraces::showingAStoredRun() {
  LiveTraces live;
  live.apply(started(9));
  RunTrace stored;
  stored.id = 3;
  stored.label = QStringLiteral("stored");
  live.show(3, stored);
  QCOMPARE(live.shown(), 3);
  QCOMPARE(live.shownTrace().label, QStringLiteral("stored"));
  // A live run shows its own trace, whatever the caller passes.
  live.show(9, stored);
  QCOMPARE(&live.shownTrace(), live.live(9));
  live.clear();
  QCOMPARE(live.shown(), 0);
  QCOMPARE(live.liveCount(), 0);
  QVERIFY(live.shownTrace().label.isEmpty());
}

QTEST_APPLESS_MAIN(TestLiveTraces)
#include "test_live_traces.moc"
