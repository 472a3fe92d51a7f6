// resource_path(): where the engine and the app find the shipped files (the demo experiment, the
// built-in model). The installed layout (<exe>/../share/switchyard) is checked by the package
// test (tests/package), which runs `switchyard-engine run --demo` where no source tree exists.
#include <QtTest>

#include <cstdlib>
#include <filesystem>

#include "engine/util/resources.h"

class TestResources : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() { unsetenv("SWITCHYARD_RESOURCES"); }
  void cleanup() { unsetenv("SWITCHYARD_RESOURCES"); }

  // A build run in place (no share/switchyard beside it) finds the source tree's files.
  void sourceTreeWithoutInstall() {
    const std::string demo = sy::demo_experiment_path();
    QVERIFY2(std::filesystem::exists(demo), demo.c_str());
    QCOMPARE(std::filesystem::path(demo).filename().string(), std::string("demo.json"));
    QVERIFY(std::filesystem::exists(sy::resource_path("base-model") + "/config.json"));
  }

  // The variable wins whenever it is set, even for a folder that does not exist, as the CLI
  // guide says of the built-in model.
  void variableWins() {
    setenv("SWITCHYARD_RESOURCES", "/nonexistent/resources", 1);
    QCOMPARE(sy::demo_experiment_path(),
             std::string("/nonexistent/resources/experiments/demo.json"));
    QCOMPARE(sy::resource_path("base-model"), std::string("/nonexistent/resources/base-model"));
  }
};

QTEST_APPLESS_MAIN(TestResources)
#include "test_resources.moc"
