// Experiment files: the shipped demo parses into what the runner needs, and every mistake a user
// can make in one ends in a message naming the file and the field.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/run/experiment.h"
#include "engine/run/experiment_schema.h"
#include "engine/util/error.h"

using namespace sy;

namespace {

nlohmann::json minimal() {
  return {{"tasks", {"reverse", "count"}}, {"strategies", {"seq-lora", "switchcit"}}};
}

// Parses `j` and returns the error message ("" when it parsed).
QString error_of(const nlohmann::json& j) {
  try {
    experiment_from_json(j, "exp.json");
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

// `j` with `value` at the dotted `key` ("training.lora.r").
nlohmann::json with_value(nlohmann::json j, const std::string& key, const nlohmann::json& value) {
  nlohmann::json* at = &j;
  size_t start = 0;
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
    at = &(*at)[key.substr(start, dot - start)];
    start = dot + 1;
  }
  (*at)[key.substr(start)] = value;
  return j;
}

// One value past a field's bound: the next integer, or the next representable double.
nlohmann::json past(const nlohmann::json& bound, bool above, bool integer) {
  if (integer) return bound.get<int64_t>() + (above ? 1 : -1);
  const double x = bound.get<double>();
  return std::nextafter(x, above ? INFINITY : -INFINITY);
}

// Every bounded field of a list with the object it is checked in: (where, object, field).
struct Bounded {
  std::string where;
  nlohmann::json base;  // the experiment without the field
  std::string path;     // where the field goes in it
  const FieldSpec* spec;
};

std::vector<Bounded> bounded_fields() {
  std::vector<Bounded> out;
  const ExperimentSchema& schema = experiment_schema();
  for (const FieldSpec& f : schema.fields) {
    if (f.type == FieldType::Integer || f.type == FieldType::Number) {
      out.push_back({f.key, minimal(), f.key, &f});
    }
  }
  for (const FieldSpec& f : schema.task_fields) {
    if (f.type == FieldType::Integer || f.type == FieldType::Number) {
      out.push_back({"tasks[0]." + f.key, minimal(), "", &f});
    }
  }
  for (const StrategySchema& s : schema.strategies) {
    for (const FieldSpec& f : s.fields) {
      if (f.type == FieldType::Integer || f.type == FieldType::Number) {
        out.push_back({"strategies[0]." + f.key + " (" + s.traits->name + ")", minimal(),
                       s.traits->name, &f});
      }
    }
  }
  return out;
}

nlohmann::json placed_in_memory(const Bounded& b, const nlohmann::json& value) {
  nlohmann::json j = b.base;
  if (b.where.rfind("tasks[0].", 0) == 0) {
    j["tasks"] = nlohmann::json::array(
        {with_value({{"name", "t"}, {"jsonl", "t.jsonl"}}, b.spec->key, value)});
  } else if (b.where.rfind("strategies[0].", 0) == 0) {
    j["strategies"] = nlohmann::json::array({with_value({{"name", b.path}}, b.spec->key, value)});
  } else {
    j = with_value(j, b.path, value);
  }
  return j;
}

// The experiment with `value` in the field `b` describes, as read from a file (where 0 and
// other non-negative integers are unsigned).
nlohmann::json placed(const Bounded& b, const nlohmann::json& value) {
  return nlohmann::json::parse(placed_in_memory(b, value).dump());
}

}  // namespace

class TestExperiment : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void demo_parses() {
    const Experiment e = load_experiment(SWITCHYARD_SOURCE_DIR "/resources/experiments/demo.json");
    QCOMPARE(e.name, std::string("demo"));
    QCOMPARE(e.tasks.size(), size_t(5));
    QCOMPARE(e.tasks[0].builtin, std::string("reverse"));
    QCOMPARE(e.strategies.size(), size_t(7));
    QCOMPARE(e.strategies[0].name, std::string("seq-ft"));
    QVERIFY(!e.strategies[0].use_lora);
    QCOMPARE(e.strategies[0].training.steps, int64_t(200));
    QCOMPARE(e.strategies[0].training.lr, 3e-4);  // full_lr for full fine-tuning
    QCOMPARE(e.strategies[1].training.steps, int64_t(300));
    QCOMPARE(e.strategies[1].training.lr, 2e-3);
    QCOMPARE(e.strategies[2].replay_fraction, 0.01);
    QCOMPARE(e.strategies[5].retention, 0.01);
    QCOMPARE(e.strategies[5].lora.rank, int64_t(8));
    QCOMPARE(e.strategies[5].switch_options.pooling, SwitchPooling::SplitMean);
    QCOMPARE(e.strategies[6].label, std::string("switchcit-0.01%"));
    QCOMPARE(e.strategies[6].retention, 0.0001);
    QCOMPARE(e.seeds, std::vector<uint64_t>{0});
  }

  void defaults_fill_a_minimal_file() {
    const Experiment e = experiment_from_json(minimal(), "dir/exp.json");
    QCOMPARE(e.base_model, std::string("builtin"));
    QCOMPARE(e.name, std::string("exp"));
    QCOMPARE(e.strategies[1].switch_options.pooling, SwitchPooling::SplitMean);
  }

  void jsonl_paths_resolve_against_the_file() {
    auto j = minimal();
    j["tasks"].push_back({{"name", "mine"}, {"jsonl", "data/mine.jsonl"}});
    const Experiment e = experiment_from_json(j, "/home/u/exp/exp.json");
    QCOMPARE(e.tasks[2].train_path, std::string("/home/u/exp/data/mine.jsonl"));
  }

  void mistakes_name_the_field_data() {
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown strategy") << R"({"strategies": ["seq-lora", "ewc"]})"
                                      << "strategies[1].name";
    QTest::newRow("misspelled field") << R"({"trainng": {}})"
                                      << "trainng is not a known field";
    QTest::newRow("bad fraction") << R"({"strategies": [{"name": "replay", "fraction": 2}]})"
                                  << "strategies[0].fraction";
    QTest::newRow("fraction elsewhere")
        << R"({"strategies": [{"name": "oracle", "fraction": 0.1}]})"
        << "applies to replay only";
    QTest::newRow("unknown task") << R"({"tasks": ["reverse", "translate"]})"
                                  << "unknown built-in task \"translate\"";
    QTest::newRow("repeated task") << R"({"tasks": ["count", "count"]})"
                                   << "tasks[1] repeats";
    QTest::newRow("no tasks") << R"({"tasks": []})"
                              << "tasks must be a non-empty list";
    QTest::newRow("bad rank") << R"({"training": {"lora": {"r": 0}}})"
                              << "training.lora.r";
    QTest::newRow("bad steps type") << R"({"training": {"steps": "many"}})"
                                    << "training.steps must be an integer";
    QTest::newRow("bad schedule") << R"({"training": {"schedule": "step"}})"
                                  << "schedule";
    QTest::newRow("bad pooling") << R"({"strategies": [{"name": "switchcit", "pooling": "max"}]})"
                                 << "pooling";
    QTest::newRow("bad metric")
        << R"({"tasks": [{"name": "t", "jsonl": "t.jsonl", "metric": "meteor"}]})"
        << "tasks[0].metric";
    QTest::newRow("bad seeds") << R"({"seeds": [-1]})"
                               << "seeds";
    QTest::newRow("mode on oracle") << R"({"strategies": [{"name": "oracle", "mode": "full"}]})"
                                    << "strategies[0].mode";
  }

  void mistakes_name_the_field() {
    QFETCH(QString, patch);
    QFETCH(QString, expected);
    nlohmann::json j = minimal();
    j.update(nlohmann::json::parse(patch.toStdString()));
    const QString message = error_of(j);
    QVERIFY2(message.startsWith("exp.json: "), qPrintable(message));
    QVERIFY2(message.contains(expected), qPrintable(message));
  }

  void unreadable_file_is_a_clear_error() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("broken.json").toStdString();
    std::ofstream(path) << "{\"tasks\": [";
    try {
      load_experiment(path);
      QFAIL("a broken file parsed");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("broken.json: not valid JSON"), e.what());
    }
  }

  // Each bounded field of the schema, wherever it may appear: its min and max parse, one past
  // either is refused with a message naming the field and the range.
  void schema_bounds_are_what_the_parser_accepts() {
    const auto fields = bounded_fields();
    QVERIFY(fields.size() > 30);
    for (const Bounded& b : fields) {
      const bool integer = b.spec->type == FieldType::Integer;
      for (const nlohmann::json& bound : {b.spec->min, b.spec->max}) {
        const QString message = error_of(placed(b, bound));
        QVERIFY2(
            message.isEmpty(),
            qPrintable(QString::fromStdString(b.where + " = " + bound.dump() + ": ") + message));
      }
      for (const bool above : {false, true}) {
        const nlohmann::json bound = above ? b.spec->max : b.spec->min;
        const nlohmann::json value = past(bound, above, integer);
        const QString message = error_of(placed(b, value));
        const std::string leaf = b.spec->leaf();
        QVERIFY2(
            message.contains(QString::fromStdString(leaf)) &&
                message.contains(QString::fromStdString(b.spec->min.dump())) &&
                message.contains(QString::fromStdString(b.spec->max.dump())),
            qPrintable(QString::fromStdString(b.where + " = " + value.dump() + ": ") + message));
      }
    }
  }

  // The device is spelt as the schema's pattern says (what the GUI's form checks too): auto,
  // cpu, cuda or cuda:N parse, anything else is refused naming the field and the forms.
  void the_device_is_spelt_as_the_schema_says() {
    const FieldSpec& device = schema_field(experiment_schema().fields, "device");
    QVERIFY(!device.pattern.empty());
    QCOMPARE(QString::fromStdString(schema_json()["fields"][2]["pattern"].get<std::string>()),
             QString::fromStdString(device.pattern));
    for (const char* good : {"auto", "cpu", "cuda", "cuda:0", "cuda:12"}) {
      QVERIFY2(error_of(with_value(minimal(), "device", good)).isEmpty(), good);
    }
    for (const char* bad : {"gpu", "cuda:x", "cuda:", "CPU", " cpu", ""}) {
      const QString message = error_of(with_value(minimal(), "device", bad));
      QVERIFY2(message.contains("device is \"" + QString(bad) +
                                "\"; expected auto, cpu, cuda or "
                                "cuda:N"),
               qPrintable(message));
    }
  }

  // The schema's defaults are what a file without the fields gets.
  void schema_defaults_are_the_parsers() {
    const Experiment e = experiment_from_json(minimal(), "exp.json");
    const auto& fields = experiment_schema().fields;
    QCOMPARE(e.strategies[0].training.steps,
             schema_field(fields, "training.steps").default_value.get<int64_t>());
    QCOMPARE(e.strategies[0].training.batch_size,
             schema_field(fields, "training.batch_size").default_value.get<int64_t>());
    QCOMPARE(e.strategies[0].training.lr,
             schema_field(fields, "training.lr").default_value.get<double>());
    QCOMPARE(e.strategies[0].lora.rank,
             schema_field(fields, "training.lora.r").default_value.get<int64_t>());
    QCOMPARE(e.train_examples,
             schema_field(fields, "data.train_examples").default_value.get<int64_t>());
    QCOMPARE(e.max_new_tokens,
             schema_field(fields, "evaluation.max_new_tokens").default_value.get<int64_t>());
    const auto& own = strategy_schema("switchcit").fields;
    QCOMPARE(e.strategies[1].retention, schema_field(own, "retention").default_value.get<double>());
    QCOMPARE(e.strategies[1].switch_options.epochs,
             schema_field(own, "switch_epochs").default_value.get<int64_t>());
  }

  // Per-strategy settings: the second switchcit's retention and seq-ft's own steps.
  void strategies_carry_their_own_settings() {
    nlohmann::json j = minimal();
    j["strategies"] = {{{"name", "seq-ft"}, {"steps", 7}},
                       {{"name", "switchcit"}, {"retention", 0.5}},
                       {{"name", "switchcit"}, {"label", "b"}, {"retention", 0.25}}};
    const Experiment e = experiment_from_json(j, "exp.json");
    QCOMPARE(e.strategies[0].training.steps, int64_t(7));
    QCOMPARE(e.strategies[1].retention, 0.5);
    QCOMPARE(e.strategies[2].retention, 0.25);
    QCOMPARE(e.strategies[2].label, std::string("b"));
  }

  // Issue 22: 2^63 steps is out of range with the range, not -9223372036854775808.
  void huge_integers_are_out_of_range() {
    for (const char* text :
         {"9223372036854775808", "18446744073709551615", "100000000000000000000"}) {
      nlohmann::json j = minimal();
      j["training"] = nlohmann::json::parse(std::string(R"({"steps": )") + text + "}");
      const QString message = error_of(j);
      QVERIFY2(message.contains("training.steps is ") &&
                   message.contains("expected 1 to 1000000000") && !message.contains("-92"),
               qPrintable(message));
    }
  }

  // Issue 22: an empty task name is named as such, with what is expected.
  void empty_task_name_is_named() {
    nlohmann::json j = minimal();
    j["tasks"] = {"reverse", ""};
    const QString message = error_of(j);
    QVERIFY2(message.startsWith("exp.json: tasks[1] is an empty task name; expected a built-in "
                                "task (reverse"),
             qPrintable(message));
  }

  // Issue 22: an unknown top-level field is named with the known ones, before anything else in
  // the file is looked at.
  void unknown_top_level_field_lists_the_known_ones() {
    nlohmann::json j = minimal();
    j["strategy"] = {"seq-lora"};
    j["training"] = {{"steps", 0}};  // also wrong, but the unknown field comes first
    const QString message = error_of(j);
    QVERIFY2(message.startsWith("exp.json: strategy is not a known field") &&
                 message.contains("known fields: base_model, data, device, evaluation, name, "
                                  "seeds, strategies, tasks, training, weights_dtype"),
             qPrintable(message));
  }

  // `switchyard-engine schema --json` prints the table the parser uses.
  void schema_command_prints_the_table() {
    QProcess engine;
    engine.start(SY_ENGINE_BIN, {"schema", "--json"});
    QVERIFY(engine.waitForFinished(60000));
    QCOMPARE(engine.exitCode(), 0);
    const auto j = nlohmann::json::parse(engine.readAllStandardOutput().toStdString());
    QCOMPARE(j, schema_json());
    QCOMPARE(j["version"].get<int>(), 1);
    bool found = false;
    for (const auto& f : j["fields"]) {
      if (f["key"] == "training.steps") {
        found = true;
        QCOMPARE(f["max"].get<int64_t>(), int64_t(1'000'000'000));
        QCOMPARE(f["default"].get<int64_t>(), int64_t(300));
      }
    }
    QVERIFY(found);
    QCOMPARE(j["strategies"].size(), size_t(6));
    QCOMPARE(j["strategies"][3]["name"].get<std::string>(), std::string("multitask"));
    QCOMPARE(j["strategies"][3]["stages"].get<std::string>(), std::string("one"));
    QVERIFY(!j["tasks"].empty());
    QCOMPARE(j["tasks"][0]["metric"].get<std::string>(), std::string("exact"));
  }
};

QTEST_APPLESS_MAIN(TestExperiment)
#include "test_experiment.moc"
