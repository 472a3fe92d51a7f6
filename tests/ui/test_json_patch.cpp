// patch_json (ui/json_patch): a hand-written JSON text edited to hold new values keeps every byte
// of what did not change — order, spacing, number spelling — and reads back as the new JSON.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "ui/json_patch.h"

using sy::ui::patch_json;

namespace {

QJsonObject parse(const QByteArray& text) {
  return QJsonDocument::fromJson(text).object();
}

// The text patched to `after`, checked to read back as `after`.
QByteArray patched(const QByteArray& text, const QJsonObject& after) {
  const std::optional<QByteArray> out = patch_json(text, after);
  if (!out) return "(nullopt)";
  if (parse(*out) != after) return "(reads back otherwise) " + *out;
  return *out;
}

const QByteArray kText =
    "{\n"
    "    \"b\" : 1E2,\n"
    "    \"a\": {\"x\": 2e-3,  \"y\": [1, 2,\n"
    "                                3]},\n"
    "    \"s\": \"caf\\u00e9 \\\"q\\\"\",\n"
    "    \"z\": true\n"
    "}\n";

}  // namespace

class TestJsonPatch : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void nothingChangedIsTheSameText() { QCOMPARE(patched(kText, parse(kText)), kText); }

  void aChangedValueIsTheOnlyBytesThatChange() {
    QJsonObject after = parse(kText);
    QJsonObject a = after["a"].toObject();
    a["x"] = 0.5;
    after["a"] = a;
    QByteArray expected = kText;
    expected.replace("2e-3", "0.5");
    QCOMPARE(patched(kText, after), expected);
    // An array of the same length: only its changed item.
    a["y"] = QJsonArray{1, 7, 3};
    after["a"] = a;
    expected.replace("[1, 2,", "[1, 7,");
    QCOMPARE(patched(kText, after), expected);
    // Of another length: the array anew, on one line.
    a["y"] = QJsonArray{1};
    after["a"] = a;
    QVERIFY(patched(kText, after).contains("\"y\": [1]}"));
  }

  void removedKeysGoWithTheirComma() {
    for (const char* key : {"b", "a", "s", "z"}) {
      QJsonObject after = parse(kText);
      after.remove(key);
      const QByteArray out = patched(kText, after);
      QVERIFY2(!out.startsWith('('), out.constData());
      QVERIFY2(!out.contains(QByteArray("\"") + key + "\""), out.constData());
    }
    QJsonObject after = parse(kText);
    after.remove("s");
    after.remove("z");  // the last two: the comma before them goes too
    QCOMPARE(patched(kText, after), QByteArray("{\n"
                                               "    \"b\" : 1E2,\n"
                                               "    \"a\": {\"x\": 2e-3,  \"y\": [1, 2,\n"
                                               "                                3]}\n"
                                               "}\n"));
    QCOMPARE(patched(kText, QJsonObject{}), QByteArray("{}\n"));
  }

  void newKeysFollowTheLastOnALineOfTheirOwn() {
    QJsonObject after = parse(kText);
    after["n"] = QJsonObject{{"r", 4}};
    QByteArray expected = kText;
    expected.replace("\"z\": true\n", "\"z\": true,\n    \"n\": {\"r\": 4}\n");
    QCOMPARE(patched(kText, after), expected);
    // Inside a one-line object: on its line.
    QJsonObject a = after["a"].toObject();
    a["w"] = "v";
    after["a"] = a;
    QVERIFY2(patched(kText, after).contains("3], \"w\": \"v\"}"),
             patched(kText, after).constData());
  }

  void whatItCannotReadIsLeftToTheCaller() {
    QVERIFY(!patch_json("[1, 2]", QJsonObject{}));
    QVERIFY(!patch_json("{\"a\": ", QJsonObject{}));
    QVERIFY(!patch_json("{\"a\": 1} trailing", QJsonObject{}));
    // A key given twice: both are rewritten, so the text reads back as asked.
    QCOMPARE(patched("{\"a\": 1, \"a\": 2}", QJsonObject{{"a", 3}}),
             QByteArray("{\"a\": 3, \"a\": 3}"));
  }
};

QTEST_GUILESS_MAIN(TestJsonPatch)
#include "test_json_patch.moc"
