// `switchyard-engine tokenize` as a user runs it: a real process reading JSON strings on stdin and
// writing {"ids", "decoded"} lines, checked against the reference ids of the tokenizer fixtures;
// and `pretrain --vocab`, whose learned vocabulary those commands then read.
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

namespace {

const QString kFixtures = QStringLiteral(SY_TOKENIZER_FIXTURES);

QString engine_binary() {
  const QString from_env = qEnvironmentVariable("SWITCHYARD_ENGINE");
  return from_env.isEmpty() ? QStringLiteral(SY_ENGINE_BIN) : from_env;
}

struct Result {
  int exit_code = -1;
  QByteArray out, err;
};

Result run_engine(const QStringList& args, const QByteArray& input = {}) {
  QProcess p;
  p.start(engine_binary(), args);
  Result r;
  if (!p.waitForStarted(30000)) return r;
  p.write(input);
  p.closeWriteChannel();
  p.waitForFinished(120000);
  r.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

Result run_tokenize(const QStringList& args, const QByteArray& input) {
  return run_engine(QStringList{"tokenize"} + args, input);
}

struct Expected {
  QJsonValue text;
  QJsonArray ids, ids_with_special;
};

QList<Expected> read_expected(const QString& name) {
  QFile f(kFixtures + "/" + name + "/expected.jsonl");
  if (!f.open(QIODevice::ReadOnly)) return {};
  QList<Expected> out;
  for (const QByteArray& line : f.readAll().split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    out.append({o["text"], o["ids"].toArray(), o["ids_with_special"].toArray()});
  }
  return out;
}

}  // namespace

class TestTokenizeCommand : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void ids_match_the_reference_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("special");
    QTest::newRow("gpt2") << "gpt2" << false;
    QTest::newRow("llama2 --special") << "llama2" << true;
    QTest::newRow("qwen3") << "qwen3" << false;
  }

  // Every fixture text in one run; each output line holds the reference ids and valid JSON.
  void ids_match_the_reference() {
    QFETCH(QString, name);
    QFETCH(bool, special);
    const QList<Expected> expected = read_expected(name);
    QVERIFY(!expected.isEmpty());
    QByteArray input;
    for (const Expected& e : expected) {
      input += QJsonDocument(QJsonArray{e.text}).toJson(QJsonDocument::Compact).mid(1);
      input.chop(1);  // "[\"text\"]" -> "\"text\""
      input += '\n';
    }
    QStringList args{"--tokenizer", kFixtures + "/" + name};
    if (special) args << "--special";
    const Result r = run_tokenize(args, input);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), expected.size());
    for (int i = 0; i < lines.size(); ++i) {
      const QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
      const QJsonArray want = special ? expected[i].ids_with_special : expected[i].ids;
      QVERIFY2(o["ids"].toArray() == want,
               qPrintable(name + " line " + QString::number(i + 1) + ": " + lines[i]));
      QVERIFY2(o["decoded"].isString(), lines[i].constData());
    }
  }

  void decoded_text_is_the_input() {
    const Result r = run_tokenize({"--tokenizer", kFixtures + "/qwen3/tokenizer.json"},
                                  "\"Hello, w\\u00f6rld \\ud83d\\ude00\\n\"\n");
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out.trimmed()).object();
    QCOMPARE(o["decoded"].toString(), QString::fromUtf8("Hello, w\xC3\xB6rld \xF0\x9F\x98\x80\n"));
  }

  void errors_are_one_line_and_exit_1() {
    QTemporaryDir dir;
    QFile bad(dir.path() + "/tokenizer.json");
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"model": {"type": "Unigram"}})");
    bad.close();
    Result r = run_tokenize({"--tokenizer", dir.path()}, "\"x\"\n");
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("field \"model.type\" is \"Unigram\"; expected BPE"),
             r.err.constData());
    QCOMPARE(r.err.trimmed().count('\n'), 0);

    r = run_tokenize({"--tokenizer", kFixtures + "/gpt2"}, "\"ok\"\nnot json\n");
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("stdin line 2"), r.err.constData());

    r = run_tokenize({}, "");
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--tokenizer"), r.err.constData());
  }

  // `pretrain --vocab` learns a vocabulary and saves it with the model; the folder then tokenizes
  // with it, trains on from it with --tokenizer, and a tokenizer without a pad token is refused.
  void pretrain_saves_its_vocabulary_with_the_model() {
    QTemporaryDir dir;
    const QString a = dir.filePath("a"), b = dir.filePath("b");
    const QStringList tiny = {"--documents",  "300", "--steps",  "2",
                              "--batch-size", "4",   "--device", "cpu"};
    Result r = run_engine(QStringList{"pretrain", "--out", a, "--vocab", "300"} + tiny);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.err.contains("learned a vocabulary of 300 tokens"), r.err.constData());
    QFile config(a + "/tokenizer_config.json");
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QJsonObject specials = QJsonDocument::fromJson(config.readAll()).object();
    QCOMPARE(specials["eos_token"].toString(), QString("<eos>"));
    QCOMPARE(specials["pad_token"].toString(), QString("<pad>"));

    r = run_tokenize({"--tokenizer", a}, "\"thunder bone\"\n");
    QCOMPARE(r.exit_code, 0);
    const QJsonObject line = QJsonDocument::fromJson(r.out.trimmed()).object();
    QCOMPARE(line["decoded"].toString(), QString("thunder bone"));
    QVERIFY2(line["ids"].toArray().size() < 12, r.out.constData());  // 12 bytes

    r = run_engine(QStringList{"pretrain", "--out", b, "--tokenizer", a} + tiny);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    r = run_engine({"generate", "--model", b, "--instruction", "Count the words.", "--input",
                    "red apple", "--max-new-tokens", "3", "--device", "cpu"});
    QVERIFY2(r.exit_code == 0, r.err.constData());

    r = run_engine(
        QStringList{"pretrain", "--out", dir.filePath("c"), "--tokenizer", kFixtures + "/gpt2"} +
        tiny);
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("gpt2/tokenizer.json has no pad token"), r.err.constData());
    QVERIFY(!QFileInfo::exists(dir.filePath("c/model.safetensors")));
  }
};

QTEST_GUILESS_MAIN(TestTokenizeCommand)
#include "test_tokenize_command.moc"
