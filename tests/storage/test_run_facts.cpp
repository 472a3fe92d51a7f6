// What every reader shares about a run (storage/run_summary.h, storage/run_format.h): the summary
// document read back whatever the database holds, and one text for percentages, durations and
// time left.
#include <QtTest>

#include <cmath>
#include <limits>
#include <string>

#include "storage/run_format.h"
#include "storage/run_summary.h"

using namespace sy::store;

class TestRunFacts : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void percentages_have_one_decimal_and_a_dash_for_none() {
    QCOMPARE(format_percent(0.475), std::string("47.5"));
    QCOMPARE(format_percent(1.0), std::string("100.0"));
    QCOMPARE(format_percent(0.012, true), std::string("+1.2"));
    QCOMPARE(format_percent(-0.1, true), std::string("-10.0"));
    QCOMPARE(format_percent(std::nullopt), std::string("-"));
    QCOMPARE(format_percent(std::nan("")), std::string("-"));
    QCOMPARE(format_percent(std::numeric_limits<double>::infinity()), std::string("-"));
  }

  void durations_are_minutes_below_an_hour_and_etas_always_hours() {
    QCOMPARE(format_duration(0), std::string("0:00"));
    QCOMPARE(format_duration(59.4), std::string("0:59"));
    QCOMPARE(format_duration(59.6), std::string("1:00"));  // rounded to whole seconds
    QCOMPARE(format_duration(3599), std::string("59:59"));
    QCOMPARE(format_duration(3661), std::string("1:01:01"));
    QCOMPARE(format_duration(-5), std::string("0:00"));
    QCOMPARE(format_eta(65), std::string("0:01:05"));
    QCOMPARE(format_eta(36000), std::string("10:00:00"));
    QCOMPARE(format_eta(std::nan("")), std::string("0:00:00"));
  }

  void the_summary_round_trips_with_nulls_where_undefined() {
    RunSummary s;
    s.ap = 0.75;
    s.bwt = -0.125;
    s.router_accuracy = 1.0;
    const std::string text = run_summary_json(s);
    QCOMPARE(text, std::string(R"({"ap":0.75,"bwt":-0.125,"forgetting":null,"fwt":null,)"
                               R"("router_accuracy":1.0})"));
    const RunSummary back = parse_run_summary(text);
    QVERIFY(back.present);
    QCOMPARE(back.ap, s.ap);
    QCOMPARE(back.bwt, s.bwt);
    QVERIFY(!back.forgetting);
    QVERIFY(!back.fwt);
    QCOMPARE(back.router_accuracy, s.router_accuracy);
  }

  // Whatever a damaged or foreign database holds in runs.summary reads as "no summary" or as
  // the fields that are numbers, never as an error or a crash.
  void any_stored_text_reads_without_failing() {
    QVERIFY(!parse_run_summary("").present);
    QVERIFY(!parse_run_summary("not json {").present);
    QVERIFY(!parse_run_summary("[1, 2]").present);
    const RunSummary partial = parse_run_summary(R"({"ap": "high", "fwt": 0.5, "x": [[1]]})");
    QVERIFY(partial.present);
    QVERIFY(!partial.ap);
    QCOMPARE(partial.fwt, std::optional<double>(0.5));
    const std::string deep =
        "{\"ap\": 0.5, \"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    QCOMPARE(parse_run_summary(deep).ap, std::optional<double>(0.5));
  }
};

QTEST_APPLESS_MAIN(TestRunFacts)
#include "test_run_facts.moc"
