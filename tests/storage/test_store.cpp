// The experiment store on real SQLite files: every table round-trips, a first-schema database
// migrates with its data, a reader sees only whole batches while a writer works, a killed writer
// loses nothing it committed, and a wrong file is refused with one sentence and left byte for
// byte as it was.
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "storage/database.h"
#include "storage/run_duration.h"
#include "storage/schema.h"
#include "storage/sha256.h"
#include "storage/store.h"
#include "tests/common/extended_run.h"

using namespace sy::store;

namespace {

// The message of the StoreError `body` throws, or "" when it throws none.
std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

QStringList files_in(const QString& folder) {
  return QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

// `count` points of `stage` from `first_step` on, with values that identify the step.
std::vector<TrainPoint> batch(int stage, int64_t first_step, int count) {
  std::vector<TrainPoint> points;
  for (int i = 0; i < count; ++i) {
    const int64_t step = first_step + i;
    points.push_back({stage, step, 2.0 / double(step + 1), 1e-3, 1000.0 + double(step)});
  }
  return points;
}

NewRun new_run(int64_t experiment, const std::string& strategy = "switchcit", uint64_t seed = 7) {
  NewRun run;
  run.experiment_id = experiment;
  run.strategy = strategy;
  run.seed = seed;
  run.config_json = R"({"lora":{"r":8}})";
  run.device = "cpu";
  run.engine_version = "0.1.0";
  return run;
}

// Counts rows of `table` for one run through a connection of its own (not the Store's).
int64_t rows_of(const std::string& path, const std::string& table, int64_t run) {
  Database db(path, SQLITE_OPEN_READONLY);
  return db.query_int64("SELECT count(*) FROM " + table + " WHERE run_id = " + std::to_string(run));
}

// A fresh folder and a store in it (in a folder that does not exist yet) with one experiment and
// one run.
struct Fixture {
  QTemporaryDir dir;
  std::string path = dir.filePath("lab/switchyard.db").toStdString();
  Store store = Store::open(path);
  int64_t experiment = store.create_experiment("demo", R"({"tasks":["reverse","count"]})");
  int64_t run = store.create_run(new_run(experiment));
};

// A closed store at `path` holding one run with `points` training points, two tasks, scores,
// a confusion matrix and an adapter.
void make_store_db(const std::string& path, int points) {
  Store store = Store::open(path);
  const int64_t experiment = store.create_experiment("demo", "{}");
  const int64_t run = store.create_run(new_run(experiment));
  store.set_run_tasks(run, {{"reverse", "exact"}, {"count", "exact"}});
  for (int first = 0; first < points; first += 1000) {
    store.append_train_points(run, batch(1, first, std::min(1000, points - first)));
  }
  store.put_scores(run, 1, {{0, "exact", 0.9}, {1, "exact", 0.1}});
  store.put_confusion(run, {1, {"reverse"}, {{5}}});
  store.put_adapter(run, 0, std::vector<uint8_t>(4096, 7), "{}", 1024);
}

// A database exactly as schema version 1 left it (before notes, tags and summaries existed),
// with one run of data written in version 1's own terms.
void make_version1_db(const std::string& path) {
  Database db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  db.exec("PRAGMA journal_mode = WAL");
  migrate(db, 1);
  db.exec(R"sql(
    INSERT INTO experiments (id, name, definition, created_at)
      VALUES (1, 'old', '{"tasks":["reverse","count"]}', 1700000000000);
    INSERT INTO runs (id, experiment_id, strategy, label, seed, config, status, device,
                      engine_version, host, pid, created_at, started_at, finished_at)
      VALUES (1, 1, 'oracle', 'oracle', 3, '{}', 'finished', 'cpu', '0.0.9', 'lab', 42,
              1700000000000, 1700000001000, 1700000009000);
    INSERT INTO run_tasks VALUES (1, 0, 'reverse', 'exact'), (1, 1, 'count', 'exact');
    INSERT INTO stages VALUES (1, 1, 'finished', 1700000001000, 1700000005000);
    INSERT INTO train_points VALUES (1, 1, 1, 2.5, 0.001, 900.0), (1, 1, 2, 2.0, 0.001, 950.0);
    INSERT INTO eval_scores VALUES (1, 0, 0, 'exact', 0.0), (1, 1, 0, 'exact', 0.75);
  )sql");
}

// What a child process reports back: whether it could run, and the StoreError it met.
struct ChildOutcome {
  bool ran = false;
  std::string error;
};

// Runs `body` as a user other than root: root ignores permission bits, so a test of a read-only
// folder would prove nothing under it. As root, a child process drops to nobody (65534) first and
// sends its error back through a pipe; otherwise `body` runs here. The parent must hold no
// connection to the files `body` opens (SQLite connections do not survive a fork).
ChildOutcome as_unprivileged(const std::function<void()>& body) {
  if (geteuid() != 0) return {true, error_of(body)};
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t child = fork();
  if (child < 0) return {};
  if (child == 0) {
    close(fds[0]);
    std::string report = "-";  // "-": could not drop root
    if (setgroups(0, nullptr) == 0 && setgid(65534) == 0 && setuid(65534) == 0) {
      report = "+" + error_of(body);
    }
    ssize_t written = 0;
    while (written < static_cast<ssize_t>(report.size())) {
      const ssize_t n = write(fds[1], report.data() + written, report.size() - written);
      if (n <= 0) break;
      written += n;
    }
    _exit(0);
  }
  close(fds[1]);
  std::string report;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, size_t(n));
  close(fds[0]);
  waitpid(child, nullptr, 0);
  if (report.empty() || report[0] != '+') return {};
  return {true, report.substr(1)};
}

}  // namespace

class TestStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // --- SHA-256 -------------------------------------------------------------------------------

  void sha256_matches_the_standard_vectors() {
    // FIPS 180-4 examples and the NIST CAVP / RFC 6234 long messages.
    QCOMPARE(sha256_hex(""),
             std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(sha256_hex("abc"),
             std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    QCOMPARE(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                        "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
             std::string("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));
    const std::string million(1000000, 'a');
    const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    QCOMPARE(sha256_hex(million), expected);
    // The same message fed in uneven pieces gives the same digest.
    Sha256 pieces;
    size_t fed = 0;
    for (size_t piece = 1; fed < million.size(); piece = piece * 3 % 1000 + 1) {
      const size_t take = std::min(piece, million.size() - fed);
      pieces.update(million.data() + fed, take);
      fed += take;
    }
    QCOMPARE(to_hex(pieces.finish()), expected);
  }

  void sha256_padding_boundaries() {
    // Lengths around the 55/56/64-byte padding edges, split at every point.
    for (size_t length : {55, 56, 57, 63, 64, 65, 119, 120, 128}) {
      std::string message(length, '\0');
      for (size_t i = 0; i < length; ++i) message[i] = char('a' + i % 26);
      const std::string whole = sha256_hex(message);
      for (size_t split = 0; split <= length; ++split) {
        Sha256 sha;
        sha.update(message.data(), split);
        sha.update(message.data() + split, length - split);
        QCOMPARE(to_hex(sha.finish()), whole);
      }
    }
    // 64 'a's, checked with sha256sum.
    QCOMPARE(sha256_hex(std::string(64, 'a')),
             std::string("ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"));
  }

  // --- opening ---------------------------------------------------------------------------------

  void default_path_follows_xdg() {
    const QByteArray old_data = qgetenv("XDG_DATA_HOME");
    const QByteArray old_home = qgetenv("HOME");
    const bool had_data = qEnvironmentVariableIsSet("XDG_DATA_HOME");
    qputenv("HOME", "/home/ada");
    qputenv("XDG_DATA_HOME", "/data/ada");
    QCOMPARE(default_db_path(), std::string("/data/ada/switchyard/switchyard.db"));
    qputenv("XDG_DATA_HOME", "relative/data");  // invalid by the XDG rules: ignored
    QCOMPARE(default_db_path(), std::string("/home/ada/.local/share/switchyard/switchyard.db"));
    qunsetenv("XDG_DATA_HOME");
    QCOMPARE(default_db_path(), std::string("/home/ada/.local/share/switchyard/switchyard.db"));
    qputenv("HOME", old_home);
    if (had_data) qputenv("XDG_DATA_HOME", old_data);
  }

  void a_new_database_has_the_current_schema() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a/b/c/switchyard.db").toStdString();
    {
      Store store = Store::open(path);  // creates a/b/c
      QCOMPARE(store.schema_version(), latest_schema_version());
      QCOMPARE(store.path(), path);
      QCOMPARE(store.check_integrity(), std::string("ok"));
    }
    Database raw(path, SQLITE_OPEN_READONLY);
    QCOMPARE(raw.query_text("PRAGMA journal_mode"), std::string("wal"));
    QCOMPARE(raw.query_int64("PRAGMA application_id"), int64_t(kApplicationId));
    QCOMPARE(raw.query_int64("PRAGMA user_version"), int64_t(latest_schema_version()));
    for (const std::string& table : tables_of_version(latest_schema_version())) {
      QVERIFY2(raw.query_int64("SELECT count(*) FROM sqlite_schema WHERE name = '" + table + "'"),
               table.c_str());
    }
    // Opening again is a no-op on a current database.
    QCOMPARE(Store::open(path).schema_version(), latest_schema_version());
  }

  void an_empty_file_becomes_a_database() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("touched.db").toStdString();
    write_file(path, "");
    QCOMPARE(Store::open(path).schema_version(), latest_schema_version());
  }

  // --- round trips -----------------------------------------------------------------------------

  void experiments_round_trip() {
    Fixture f;
    const std::string definition = R"({"name":"zweite Übung","tasks":["reverse"]})";
    const int64_t second = f.store.create_experiment("zweite Übung", definition);
    const auto list = f.store.list_experiments();
    QCOMPARE(list.size(), size_t(2));
    QCOMPARE(list[0].id, second);  // newest first
    QCOMPARE(list[1].name, std::string("demo"));
    const ExperimentRecord loaded = f.store.load_experiment(second);
    QCOMPARE(loaded.name, std::string("zweite Übung"));
    QCOMPARE(loaded.definition_json, definition);
    QVERIFY(loaded.created_at_ms > 1'600'000'000'000);  // unix milliseconds

    // Deleting an experiment deletes its runs and what they recorded.
    f.store.append_train_points(f.run, batch(1, 0, 10));
    f.store.delete_experiment(f.experiment);
    QCOMPARE(f.store.list_runs().size(), size_t(0));
    QCOMPARE(rows_of(f.path, "train_points", f.run), int64_t(0));
    const std::string message = error_of([&] { f.store.load_experiment(f.experiment); });
    QVERIFY2(message.find("no experiment " + std::to_string(f.experiment)) != std::string::npos,
             message.c_str());
    QVERIFY(!error_of([&] { f.store.create_experiment("", "{}"); }).empty());
  }

  void runs_round_trip_with_their_status() {
    Fixture f;
    NewRun spec = new_run(f.experiment, "replay", (uint64_t(1) << 63) + 5);  // above INT64_MAX
    spec.label = "replay 1%";
    spec.device = "cuda:0";
    const int64_t run = f.store.create_run(spec);

    RunRecord r = f.store.load_run(run).run;
    QCOMPARE(r.experiment_id, f.experiment);
    QCOMPARE(r.experiment_name, std::string("demo"));
    QCOMPARE(r.strategy, std::string("replay"));
    QCOMPARE(r.label, std::string("replay 1%"));
    QCOMPARE(r.seed, (uint64_t(1) << 63) + 5);
    QCOMPARE(r.device, std::string("cuda:0"));
    QCOMPARE(r.engine_version, std::string("0.1.0"));
    QVERIFY(r.status == RunStatus::Created);
    QVERIFY(!r.started_at_ms && !r.finished_at_ms);
    QCOMPARE(f.store.load_run(run).config_json, std::string(R"({"lora":{"r":8}})"));
    QCOMPARE(f.store.load_run(f.run).run.label, std::string("switchcit"));  // defaults to strategy

    f.store.set_run_status(run, RunStatus::Running);
    r = f.store.load_run(run).run;
    QVERIFY(r.status == RunStatus::Running);
    QCOMPARE(r.pid, int64_t(getpid()));
    QVERIFY(!r.host.empty());
    QVERIFY(r.started_at_ms && !r.finished_at_ms);
    const int64_t started = *r.started_at_ms;

    f.store.set_run_status(run, RunStatus::Failed, "CUDA out of memory");
    r = f.store.load_run(run).run;
    QVERIFY(r.status == RunStatus::Failed);
    QCOMPARE(r.status_reason, std::string("CUDA out of memory"));
    QVERIFY(r.finished_at_ms && *r.finished_at_ms >= started);

    // Resumed: running again keeps the first start and clears the finish.
    f.store.set_run_status(run, RunStatus::Running);
    r = f.store.load_run(run).run;
    QCOMPARE(*r.started_at_ms, started);
    QVERIFY(!r.finished_at_ms);
    QCOMPARE(r.status_reason, std::string());
    f.store.set_run_status(run, RunStatus::Finished);
    f.store.set_run_summary(run, R"({"ap":0.5})");
    QCOMPARE(f.store.load_run(run).run.summary_json, std::string(R"({"ap":0.5})"));
    QCOMPARE(f.store.load_run(f.run).run.summary_json, std::string());
    // The list carries it too, so a run list needs no load_run per run.
    for (const RunRecord& r : f.store.list_runs()) {
      QCOMPARE(r.summary_json, std::string(r.id == run ? R"({"ap":0.5})" : ""));
    }

    // The list: newest first, with filters.
    const auto all = f.store.list_runs();
    QCOMPARE(all.size(), size_t(2));
    QCOMPARE(all[0].id, run);
    RunFilter finished;
    finished.status = RunStatus::Finished;
    QCOMPARE(f.store.list_runs(finished).size(), size_t(1));
    RunFilter other_experiment;
    other_experiment.experiment_id = f.experiment + 100;
    QCOMPARE(f.store.list_runs(other_experiment).size(), size_t(0));

    for (int i = 0; i < 6; ++i) {
      const auto status = static_cast<RunStatus>(i);
      QCOMPARE(parse_run_status(run_status_name(status)).value(), status);
    }
    QVERIFY(!parse_run_status("done"));
  }

  void tasks_and_stages_round_trip() {
    Fixture f;
    f.store.set_run_tasks(f.run, {{"reverse", "exact"}, {"count", "exact"}, {"sum", "rougeL"}});
    f.store.set_run_tasks(f.run, {{"reverse", "exact"}, {"count", "bleu"}});  // replaces
    RunData data = f.store.load_run(f.run);
    QCOMPARE(data.tasks.size(), size_t(2));
    QCOMPARE(data.tasks[1].name, std::string("count"));
    QCOMPARE(data.tasks[1].metric, std::string("bleu"));
    QCOMPARE(data.run.task_count, 2);

    QCOMPARE(f.store.last_finished_stage(f.run), 0);
    f.store.begin_stage(f.run, 1);
    QCOMPARE(f.store.last_finished_stage(f.run), 0);
    f.store.finish_stage(f.run, 1);
    f.store.begin_stage(f.run, 2);
    QCOMPARE(f.store.last_finished_stage(f.run), 1);
    data = f.store.load_run(f.run);
    QCOMPARE(data.stages.size(), size_t(2));
    QVERIFY(data.stages[0].status == StageStatus::Finished && data.stages[0].finished_at_ms);
    QVERIFY(data.stages[1].status == StageStatus::Running && !data.stages[1].finished_at_ms);
    QCOMPARE(f.store.list_runs()[0].last_finished_stage, 1);

    const std::string never = error_of([&] { f.store.finish_stage(f.run, 5); });
    QVERIFY2(never.find("never begun") != std::string::npos, never.c_str());
    QVERIFY(!error_of([&] { f.store.begin_stage(f.run, 0); }).empty());
  }

  void a_stage_finishes_together_with_its_checkpoint() {
    Fixture f;
    f.store.set_run_tasks(f.run, {{"reverse", "exact"}, {"count", "exact"}});
    QVERIFY(!f.store.get_checkpoint(f.run));
    f.store.begin_stage(f.run, 1);
    f.store.finish_stage(f.run, 1, std::vector<uint8_t>(100, 7));
    f.store.begin_stage(f.run, 2);
    // Stage 2 fails half way: its checkpoint must not be half there.
    QVERIFY(
        !error_of([&] { f.store.finish_stage(f.run, 3, std::vector<uint8_t>(10, 9)); }).empty());
    auto checkpoint = f.store.get_checkpoint(f.run);
    QVERIFY(checkpoint);
    QCOMPARE(checkpoint->stage, 1);
    QCOMPARE(checkpoint->state, std::vector<uint8_t>(100, 7));
    f.store.finish_stage(f.run, 2, std::vector<uint8_t>(50, 8));
    checkpoint = f.store.get_checkpoint(f.run);
    QCOMPARE(checkpoint->stage, 2);
    QCOMPARE(checkpoint->state, std::vector<uint8_t>(50, 8));
    QCOMPARE(f.store.last_finished_stage(f.run), 2);
  }

  void restarting_a_stage_clears_what_the_interrupted_attempt_left() {
    Fixture f;
    f.store.set_run_tasks(f.run, {{"reverse", "exact"}, {"count", "exact"}});
    f.store.put_scores(f.run, 0, {{0, "exact", 0.0}, {1, "exact", 0.0}});
    f.store.begin_stage(f.run, 1);
    f.store.append_train_points(f.run, batch(1, 1, 50));
    f.store.put_adapter(f.run, 0, std::vector<uint8_t>(64, 1), "{}", 16);
    f.store.put_scores(f.run, 1, {{0, "exact", 0.9}, {1, "exact", 0.1}});
    f.store.put_confusion(f.run, {1, {"reverse"}, {{10}}});
    f.store.finish_stage(f.run, 1);
    // Stage 2 gets half way, then the process dies.
    f.store.begin_stage(f.run, 2);
    f.store.append_train_points(f.run, batch(2, 1, 30));
    f.store.put_adapter(f.run, 1, std::vector<uint8_t>(64, 2), "{}", 16);
    f.store.put_scores(f.run, 2, {{0, "exact", 0.8}});
    f.store.put_confusion(f.run, {2, {"reverse", "count"}, {{9, 1}, {2, 8}}});

    // The resumer starts again at stage 2 and can then write the same steps again.
    QCOMPARE(f.store.last_finished_stage(f.run), 1);
    f.store.begin_stage(f.run, 2);
    RunData data = f.store.load_run(f.run);
    QCOMPARE(f.store.load_train_points(f.run).size(), size_t(50));
    QCOMPARE(score_matrix(data).size(), size_t(2));  // rows 0 and 1 kept
    QCOMPARE(data.confusions.size(), size_t(1));
    QCOMPARE(data.adapters.size(), size_t(1));
    QCOMPARE(data.adapters[0].position, 0);
    QCOMPARE(data.stages.size(), size_t(2));
    QVERIFY(data.stages[1].status == StageStatus::Running);
    f.store.append_train_points(f.run, batch(2, 1, 30));
    QCOMPARE(f.store.load_train_points(f.run, 2).size(), size_t(30));
  }

  // Issue 21: after `extend`, a run's duration was finished_at - started_at, three days for a
  // run that worked 150 s. The duration is its stages' time (storage/run_duration.h), read with
  // the run by list_runs and load_run alike.
  void an_extended_runs_duration_leaves_out_the_pause() {
    using sy::test::kExtendedRunDurationMs;
    using sy::test::kExtendedRunPause;
    using sy::test::kExtendedRunStart;
    using sy::test::store_extended_run;
    QTemporaryDir dir;
    Store store = Store::open(dir.filePath("times.db").toStdString());
    const int64_t finished = store_extended_run(store);
    const int64_t later = kExtendedRunStart + 10 * kExtendedRunPause;  // whenever it is read
    const RunRecord listed = store.list_runs()[0];
    QCOMPARE(listed.id, finished);
    QCOMPARE(listed.finished_stages_ms, kExtendedRunDurationMs);
    QVERIFY(!listed.open_stage_started_at_ms);
    QVERIFY(*listed.finished_at_ms - *listed.started_at_ms > kExtendedRunPause);
    QCOMPARE(run_duration_ms(listed, later), std::optional(kExtendedRunDurationMs));
    QCOMPARE(run_duration_ms(store.load_run(finished).run, later),
             std::optional(kExtendedRunDurationMs));

    // 20 s into the extension's stage: while it runs, when cancelled there, when failed there.
    const int64_t in_extension = kExtendedRunStart + 120'000 + kExtendedRunPause + 25'000;
    const int64_t running = store_extended_run(store, RunStatus::Running);
    QCOMPARE(run_duration_ms(store.load_run(running).run, in_extension),
             std::optional<int64_t>(140'000));
    for (const RunStatus status : {RunStatus::Cancelled, RunStatus::Failed}) {
      const int64_t stopped = store_extended_run(store, status);
      QCOMPARE(run_duration_ms(store.load_run(stopped).run, later),
               std::optional<int64_t>(140'000));
    }
    // Interrupted: when its last stage ended is unknown (finished_at is when that was noticed).
    const int64_t lost = store_extended_run(store, RunStatus::Interrupted);
    QVERIFY(!run_duration_ms(store.load_run(lost).run, later));

    // Before any stage: from its start until now, or until it failed.
    int64_t now = kExtendedRunStart;
    store.set_clock([&now] { return now; });
    const int64_t early = store.create_run(new_run(store.create_experiment("early", "{}")));
    QVERIFY(!run_duration_ms(store.load_run(early).run, now));  // never started
    store.set_run_status(early, RunStatus::Running);
    QCOMPARE(run_duration_ms(store.load_run(early).run, now + 4'000),
             std::optional<int64_t>(4'000));
    now += 7'000;
    store.set_run_status(early, RunStatus::Failed, "no such model");
    QCOMPARE(run_duration_ms(store.load_run(early).run, later), std::optional<int64_t>(7'000));
  }

  void train_points_round_trip() {
    Fixture f;
    // Stage 2 written before stage 1 still reads back in (stage, step) order.
    f.store.append_train_points(f.run, batch(2, 1, 3));
    std::vector<TrainPoint> first = batch(1, 1, 4);
    first[1].loss = std::numeric_limits<double>::quiet_NaN();  // a diverged step
    first[2].loss = std::numeric_limits<double>::infinity();
    f.store.append_train_points(f.run, first);
    f.store.append_train_points(f.run, {});  // nothing to do

    const auto points = f.store.load_train_points(f.run);
    QCOMPARE(points.size(), size_t(7));
    QCOMPARE(points[0].stage, 1);
    QCOMPARE(points[0].step, int64_t(1));
    QCOMPARE(points[0].loss, first[0].loss);
    QCOMPARE(points[0].lr, 1e-3);
    QCOMPARE(points[0].tokens_per_s, 1001.0);
    QVERIFY(std::isnan(points[1].loss));
    QVERIFY(std::isinf(points[2].loss));
    QCOMPARE(points[4].stage, 2);
    QCOMPARE(f.store.load_train_points(f.run, 2).size(), size_t(3));
    QVERIFY(!points[0].at_ms.has_value());  // none given, none stored

    // When each step was taken (schema version 6) round-trips, for the loss plot's wall time.
    std::vector<TrainPoint> timed = batch(3, 1, 2);
    timed[0].at_ms = 1'765'000'000'123;
    timed[1].at_ms = 1'765'000'000'456;
    f.store.append_train_points(f.run, timed);
    const auto stage3 = f.store.load_train_points(f.run, 3);
    QCOMPARE(stage3.size(), size_t(2));
    QCOMPARE(stage3[0].at_ms, std::optional<int64_t>(1'765'000'000'123));
    QCOMPARE(stage3[1].at_ms, std::optional<int64_t>(1'765'000'000'456));
    QCOMPARE(f.store.load_train_points(f.run).back().at_ms, stage3[1].at_ms);
    QCOMPARE(f.store.load_train_points(f.run, 4).size(), size_t(0));

    // A batch with one step already stored is refused whole.
    std::vector<TrainPoint> clash = batch(1, 5, 10);
    clash[7].step = 2;
    const std::string message = error_of([&] { f.store.append_train_points(f.run, clash); });
    QVERIFY2(message.find("step 2") != std::string::npos, message.c_str());
    QVERIFY2(message.find("none of this batch") != std::string::npos, message.c_str());
    QVERIFY2(message.find(f.path) != std::string::npos, message.c_str());
    QCOMPARE(f.store.load_train_points(f.run).size(), size_t(9));
  }

  void scores_form_the_score_matrix() {
    Fixture f;
    f.store.set_run_tasks(f.run, {{"reverse", "exact"}, {"count", "exact"}});
    f.store.put_scores(f.run, 0, {{0, "exact", 0.0}, {1, "exact", 0.05}});
    f.store.put_scores(f.run, 1, {{0, "exact", 0.9}, {1, "exact", 0.1}});
    f.store.put_scores(f.run, 2, {{1, "exact", 0.7}});   // a row still being evaluated
    f.store.put_scores(f.run, 1, {{1, "exact", 0.15}});  // a cell evaluated again
    const RunData data = f.store.load_run(f.run);
    // The matrix is built from the cells (RunData holds the scores once).
    const std::vector<std::vector<double>> matrix = score_matrix(data);
    QCOMPARE(matrix.size(), size_t(3));
    QCOMPARE(matrix[0], (std::vector<double>{0.0, 0.05}));
    QCOMPARE(matrix[1], (std::vector<double>{0.9, 0.15}));
    QVERIFY(std::isnan(matrix[2][0]));
    QCOMPARE(matrix[2][1], 0.7);
    QCOMPARE(data.scores.size(), size_t(5));
    QCOMPARE(data.scores[2].after_stage, 1);
    QCOMPARE(data.scores[2].metric, std::string("exact"));
    QVERIFY(!error_of([&] { f.store.put_scores(f.run, -1, {{0, "exact", 0.1}}); }).empty());
    QVERIFY(!error_of([&] { f.store.put_scores(f.run, 1, {{0, "", 0.1}}); }).empty());
  }

  void router_confusion_round_trips() {
    Fixture f;
    // Labels that need escaping in JSON, and non-ASCII text.
    const std::vector<std::string> labels = {"re\"verse", "back\\slash", "Übersetzung 翻訳",
                                             "two\nlines"};
    const std::vector<std::vector<int64_t>> counts = {
        {50, 0, 0, 0}, {1, 48, 1, 0}, {0, 0, 50, 0}, {0, 3, 0, 9000000000}};
    f.store.put_confusion(f.run, {4, labels, counts});
    f.store.put_confusion(f.run, {1, {"re\"verse"}, {{7}}});
    f.store.put_confusion(f.run, {1, {"re\"verse"}, {{50}}});  // replaces
    const RunData data = f.store.load_run(f.run);
    QCOMPARE(data.confusions.size(), size_t(2));
    QCOMPARE(data.confusions[0].after_stage, 1);
    QCOMPARE(data.confusions[0].counts, (std::vector<std::vector<int64_t>>{{50}}));
    QCOMPARE(data.confusions[1].labels, labels);
    QCOMPARE(data.confusions[1].counts, counts);
    const std::string ragged = error_of([&] {
      f.store.put_confusion(f.run, {2, {"a", "b"}, {{1, 2}, {3}}});
    });
    QVERIFY2(ragged.find("row 1 has 1 counts for 2 labels") != std::string::npos, ragged.c_str());

    // A matrix that is no longer the JSON the store wrote is reported, not half read.
    Database(f.path, SQLITE_OPEN_READWRITE)
        .exec("UPDATE router_confusion SET matrix = '[[50], [1' WHERE after_stage = 1");
    const std::string damaged = error_of([&] { f.store.load_run(f.run); });
    QVERIFY2(damaged.find("is damaged: the router confusion of run " + std::to_string(f.run) +
                          " after stage 1") != std::string::npos,
             damaged.c_str());
  }

  void adapters_round_trip_and_are_checked() {
    Fixture f;
    std::vector<uint8_t> bytes(300000);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 31 + i / 256);
    const std::string config = R"({"r":8,"lora_alpha":16,"target_modules":["qkv_proj"]})";
    const std::string sha = f.store.put_adapter(f.run, 1, bytes, config, 65536);
    QCOMPARE(sha, sha256_hex(bytes.data(), bytes.size()));

    const std::optional<Adapter> adapter = f.store.get_adapter(f.run, 1);
    QVERIFY(adapter);
    QVERIFY(adapter->safetensors == bytes);
    QCOMPARE(adapter->info.position, 1);
    QCOMPARE(adapter->info.config_json, config);
    QCOMPARE(adapter->info.parameter_count, int64_t(65536));
    QCOMPARE(adapter->info.size_bytes, int64_t(bytes.size()));
    QCOMPARE(adapter->info.sha256, sha);
    QVERIFY(!f.store.get_adapter(f.run, 0));
    const RunData data = f.store.load_run(f.run);
    QCOMPARE(data.adapters.size(), size_t(1));
    QCOMPARE(data.adapters[0].sha256, sha);

    // Bytes changed behind the store's back are reported, not handed out.
    {
      Database raw(f.path, SQLITE_OPEN_READWRITE);
      raw.exec("UPDATE adapters SET safetensors = zeroblob(300000)");
    }
    const std::string message = error_of([&] { f.store.get_adapter(f.run, 1); });
    QVERIFY2(message.find("is damaged") != std::string::npos, message.c_str());
    QVERIFY2(message.find("run " + std::to_string(f.run) + ", task 1") != std::string::npos,
             message.c_str());
    QVERIFY(!error_of([&] { f.store.put_adapter(f.run, 0, {}, "{}", 0); }).empty());
  }

  void notes_and_tags_round_trip() {
    Fixture f;
    const int64_t first = f.store.add_note(f.run, "forgets count after stage 3");
    f.store.add_note(f.run, "rerun with r=16");
    f.store.delete_note(first);
    f.store.add_tag(f.run, "paper");
    f.store.add_tag(f.run, "baseline");
    f.store.add_tag(f.run, "paper");  // already there: nothing changes
    const int64_t other = f.store.create_run(new_run(f.experiment, "seq-lora"));
    f.store.add_tag(other, "paper");
    f.store.remove_tag(other, "paper");
    f.store.remove_tag(other, "never-there");

    const RunData data = f.store.load_run(f.run);
    QCOMPARE(data.notes.size(), size_t(1));
    QCOMPARE(data.notes[0].text, std::string("rerun with r=16"));
    QCOMPARE(data.run.tags, (std::vector<std::string>{"baseline", "paper"}));
    RunFilter tagged;
    tagged.tag = "paper";
    const auto runs = f.store.list_runs(tagged);
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs[0].id, f.run);
    QCOMPARE(runs[0].tags, (std::vector<std::string>{"baseline", "paper"}));
    QVERIFY(!error_of([&] { f.store.add_tag(f.run, ""); }).empty());
    QVERIFY(!error_of([&] {
               f.store.add_tag(f.run,
                               "a\x1f"
                               "b");
             }).empty());
    QVERIFY(!error_of([&] { f.store.delete_note(first); }).empty());
  }

  void delete_run_removes_everything_of_it() {
    Fixture f;
    const int64_t keep = f.store.create_run(new_run(f.experiment, "oracle"));
    for (const int64_t run : {f.run, keep}) {
      f.store.set_run_tasks(run, {{"reverse", "exact"}});
      f.store.begin_stage(run, 1);
      f.store.append_train_points(run, batch(1, 1, 20));
      f.store.put_scores(run, 1, {{0, "exact", 0.5}});
      f.store.put_confusion(run, {1, {"reverse"}, {{3}}});
      f.store.put_adapter(run, 0, std::vector<uint8_t>(10, 1), "{}", 5);
      f.store.add_note(run, "note");
      f.store.add_tag(run, "tag");
    }
    f.store.delete_run(f.run);
    for (const char* table : {"run_tasks", "stages", "train_points", "eval_scores",
                              "router_confusion", "adapters", "notes", "tags"}) {
      QVERIFY2(rows_of(f.path, table, f.run) == 0, table);
      QVERIFY2(rows_of(f.path, table, keep) > 0, table);
    }
    QCOMPARE(f.store.list_runs().size(), size_t(1));
    const std::string again = error_of([&] { f.store.delete_run(f.run); });
    QVERIFY2(again.find("there is no run " + std::to_string(f.run)) != std::string::npos,
             again.c_str());
  }

  void a_batch_stores_all_of_its_calls_or_none() {
    Fixture f;
    {
      Store::Batch batch(f.store);
      const int64_t run = f.store.create_run(new_run(f.experiment, "oracle"));
      f.store.set_run_tasks(run, {{"reverse", "exact"}});
      f.store.begin_stage(run, 1);
      f.store.finish_stage(run, 1, std::vector<uint8_t>(16, 3));  // a transaction of its own
      // A call that fails inside the batch undoes only its own part...
      const std::string bad = error_of([&] { f.store.put_confusion(run, {1, {"a"}, {{1, 2}}}); });
      QVERIFY(!bad.empty());
      f.store.add_tag(run, "kept");
      // ... and without commit() nothing of the batch is stored.
    }
    QCOMPARE(f.store.list_runs().size(), size_t(1));
    {
      Store::Batch batch(f.store);
      const int64_t run = f.store.create_run(new_run(f.experiment, "oracle"));
      f.store.add_tag(run, "kept");
      batch.commit();
    }
    QCOMPARE(f.store.list_runs().size(), size_t(2));
    QCOMPARE(f.store.list_runs().front().tags, std::vector<std::string>({"kept"}));
  }

  void imported_plans_are_remembered_until_their_experiment_goes() {
    Fixture f;
    QVERIFY(!f.store.imported_plan("0123456789abcdef"));
    f.store.record_import("0123456789abcdef", f.experiment);
    QCOMPARE(f.store.imported_plan("0123456789abcdef"), std::optional<int64_t>(f.experiment));
    QVERIFY(!error_of([&] { f.store.record_import("0123456789abcdef", f.experiment); }).empty());
    f.store.delete_experiment(f.experiment);
    QVERIFY(!f.store.imported_plan("0123456789abcdef"));
  }

  void unknown_runs_are_named_in_errors() {
    Fixture f;
    const std::vector<std::function<void()>> calls = {
        [&] { f.store.load_run(999); },
        [&] { f.store.set_run_status(999, RunStatus::Running); },
        [&] { f.store.set_run_tasks(999, {}); },
        [&] { f.store.append_train_points(999, batch(1, 1, 1)); },
        [&] { f.store.put_scores(999, 0, {}); },
        [&] { f.store.put_adapter(999, 0, {1}, "{}", 1); },
        [&] { f.store.get_adapter(999, 0); },
        [&] { f.store.begin_stage(999, 1); },
        [&] { f.store.last_finished_stage(999); },
        [&] { f.store.add_note(999, "x"); },
        [&] { f.store.create_run(new_run(999)); },
    };
    for (const auto& call : calls) {
      const std::string message = error_of(call);
      QVERIFY2(message.find("there is no ") != std::string::npos, message.c_str());
      QVERIFY2(message.find(" 999 in " + f.path) != std::string::npos, message.c_str());
    }
  }

  // --- migrations ------------------------------------------------------------------------------

  void a_first_schema_database_migrates_keeping_its_runs() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("v1.db").toStdString();
    make_version1_db(path);
    {
      Database raw(path, SQLITE_OPEN_READONLY);
      QCOMPARE(raw.query_int64("PRAGMA user_version"), int64_t(1));
      QCOMPARE(raw.query_int64("SELECT count(*) FROM sqlite_schema WHERE name = 'notes'"),
               int64_t(0));
    }
    Store store = Store::open(path);
    QCOMPARE(store.schema_version(), latest_schema_version());
    const RunData data = store.load_run(1);
    QCOMPARE(data.run.strategy, std::string("oracle"));
    QCOMPARE(data.run.host, std::string("lab"));
    QCOMPARE(data.run.engine_version, std::string("0.0.9"));
    QVERIFY(data.run.status == RunStatus::Finished);
    QCOMPARE(data.tasks.size(), size_t(2));
    QCOMPARE(score_matrix(data)[1][0], 0.75);
    QCOMPARE(store.load_train_points(1).size(), size_t(2));
    // Points stored before version 6 have no time: they read as unknown, not as 1970.
    QVERIFY(!store.load_train_points(1)[0].at_ms.has_value());
    QCOMPARE(store.last_finished_stage(1), 1);
    QCOMPARE(data.run.summary_json, std::string());  // the column version 2 added
    // What version 2 added works on the migrated data.
    store.add_tag(1, "from v1");
    store.add_note(1, "migrated");
    store.set_run_summary(1, "{}");
    QCOMPARE(store.load_run(1).run.tags, std::vector<std::string>{"from v1"});
    QCOMPARE(store.check_integrity(), std::string("ok"));
  }

  // Version 5 stores each run's planned stages; runs stored before get the rule of their time:
  // multitask one stage, every other strategy one per task.
  void migrated_runs_get_their_planned_stage_count() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("v1.db").toStdString();
    make_version1_db(path);
    {
      Database raw(path, SQLITE_OPEN_READWRITE);
      raw.exec(
          "INSERT INTO runs (id, experiment_id, strategy, label, seed, config, status, created_at) "
          "SELECT 2, experiment_id, 'multitask', 'mt', seed, config, status, created_at FROM runs "
          "WHERE id = 1");
      raw.exec(
          "INSERT INTO run_tasks SELECT 2, position, name, metric FROM run_tasks "
          "WHERE run_id = 1");
    }
    Store store = Store::open(path);
    QCOMPARE(store.load_run(1).run.stage_count, 2);  // oracle: one stage per task
    QCOMPARE(store.load_run(2).run.stage_count, 1);  // multitask: one stage
    QCOMPARE(store.load_run(2).run.task_count, 2);
    // New runs get what the engine plans, or one per task.
    store.set_run_tasks(2, {{"a", "exact"}, {"b", "exact"}, {"c", "exact"}}, 1);
    QCOMPARE(store.list_runs()[0].stage_count, 1);
    store.set_run_tasks(1, {{"a", "exact"}, {"b", "exact"}, {"c", "exact"}});
    QCOMPARE(store.load_run(1).run.stage_count, 3);
    QVERIFY(!error_of([&] { store.set_run_tasks(1, {{"a", "exact"}}, 2); }).empty());
  }

  void a_failed_migration_changes_nothing() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("v1.db").toStdString();
    make_version1_db(path);
    {
      // A table in the way of step 2 makes it fail half way (after ALTER TABLE).
      Database raw(path, SQLITE_OPEN_READWRITE);
      raw.exec("CREATE TABLE tags (x)");
    }
    const std::string message = error_of([&] { Store::open(path); });
    QVERIFY2(message.find("Cannot migrate " + path + " to schema version 2") != std::string::npos,
             message.c_str());
    Database raw(path, SQLITE_OPEN_READONLY);
    QCOMPARE(raw.query_int64("PRAGMA user_version"), int64_t(1));
    QCOMPARE(raw.query_int64("SELECT count(*) FROM pragma_table_info('runs') "
                             "WHERE name = 'summary'"),
             int64_t(0));
    QCOMPARE(raw.query_int64("SELECT count(*) FROM sqlite_schema WHERE name = 'notes'"),
             int64_t(0));
    QCOMPARE(raw.query_int64("SELECT count(*) FROM train_points"), int64_t(2));
  }

  // --- concurrency and crashes -------------------------------------------------------------------

  void a_reader_sees_only_whole_batches() {
    Fixture f;
    constexpr int kBatch = 100;
    constexpr int kBatches = 300;
    std::atomic<bool> writing{true};
    std::atomic<int> reads{0};
    std::string failure;
    std::thread reader([&] {
      try {
        Store mine = Store::open(f.path);  // its own connection, as a GUI would have
        size_t last = 0;
        for (;;) {
          const bool done = !writing.load();
          const auto points = mine.load_train_points(f.run);
          ++reads;
          if (points.size() % kBatch != 0) {
            failure = "a read saw " + std::to_string(points.size()) + " points";
          } else if (points.size() < last) {
            failure = "the count went back from " + std::to_string(last);
          }
          for (size_t i = 0; i < points.size() && failure.empty(); ++i) {
            if (points[i].step != int64_t(i)) failure = "step " + std::to_string(i) + " missing";
          }
          last = points.size();
          if (!failure.empty() || done) break;
        }
        if (failure.empty() && last != size_t(kBatch * kBatches)) {
          failure = "the last read saw " + std::to_string(last) + " points";
        }
      } catch (const StoreError& e) {
        failure = e.what();
      }
    });
    for (int b = 0; b < kBatches; ++b) {
      f.store.append_train_points(f.run, batch(1, int64_t(b) * kBatch, kBatch));
    }
    writing = false;
    reader.join();
    QVERIFY2(failure.empty(), failure.c_str());
    qInfo("the reader read %d times while %d batches were written", reads.load(), kBatches);
  }

  void mark_interrupted_runs_finds_dead_processes() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.db").toStdString();
    int64_t dead = 0, alive = 0, finished = 0, elsewhere = 0;
    {
      Store store = Store::open(path);
      const int64_t experiment = store.create_experiment("demo", "{}");
      dead = store.create_run(new_run(experiment));
      alive = store.create_run(new_run(experiment));
      finished = store.create_run(new_run(experiment));
      elsewhere = store.create_run(new_run(experiment));
      store.set_run_status(alive, RunStatus::Running);  // this process: alive
      store.set_run_status(finished, RunStatus::Finished);
    }  // closed: the child must not inherit a connection
    // An engine process that starts its run and dies without a word.
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      try {
        Store::open(path).set_run_status(dead, RunStatus::Running);
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    {
      Database raw(path, SQLITE_OPEN_READWRITE);  // a run another host is running
      raw.exec("UPDATE runs SET status = 'running', host = 'gpu-server-7', pid = " +
               std::to_string(child) + " WHERE id = " + std::to_string(elsewhere));
    }

    Store store = Store::open(path);
    QCOMPARE(store.load_run(dead).run.pid, int64_t(child));
    QCOMPARE(store.mark_interrupted_runs(), std::vector<int64_t>{dead});
    const RunRecord r = store.load_run(dead).run;
    QVERIFY(r.status == RunStatus::Interrupted);
    QVERIFY2(r.status_reason.find("pid " + std::to_string(child)) != std::string::npos,
             r.status_reason.c_str());
    QVERIFY(r.finished_at_ms);
    QVERIFY(store.load_run(alive).run.status == RunStatus::Running);
    QVERIFY(store.load_run(finished).run.status == RunStatus::Finished);
    QVERIFY(store.load_run(elsewhere).run.status == RunStatus::Running);
    QCOMPARE(store.mark_interrupted_runs(), std::vector<int64_t>{});
  }

  void a_killed_writer_loses_no_committed_batch() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("killed.db").toStdString();
    constexpr int kBatch = 500;
    int64_t run = 0;
    {
      Store store = Store::open(path);
      run = store.create_run(new_run(store.create_experiment("demo", "{}")));
    }
    int fds[2];
    QVERIFY(pipe(fds) == 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      // The engine: batch after batch until killed; one byte down the pipe per commit.
      close(fds[0]);
      try {
        Store store = Store::open(path);
        store.set_run_status(run, RunStatus::Running);
        for (int64_t b = 0;; ++b) {
          store.append_train_points(run, batch(1, b * kBatch, kBatch));
          if (write(fds[1], "+", 1) != 1) _exit(1);
        }
      } catch (...) {
        _exit(1);
      }
    }
    close(fds[1]);
    int committed = 0;
    char byte;
    while (committed < 40 && read(fds[0], &byte, 1) == 1) ++committed;
    usleep(1500);  // most likely in the middle of the next transaction
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(fds[0]);
    QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    QCOMPARE(committed, 40);

    Store store = Store::open(path);
    QCOMPARE(store.check_integrity(), std::string("ok"));
    const auto points = store.load_train_points(run);
    QVERIFY2(points.size() % kBatch == 0, std::to_string(points.size()).c_str());
    QVERIFY(points.size() >= size_t(40 * kBatch));
    for (size_t i = 0; i < points.size(); ++i) QCOMPARE(points[i].step, int64_t(i));
    QCOMPARE(store.mark_interrupted_runs(), std::vector<int64_t>{run});
    qInfo("%zu points in %zu whole batches survived the kill", points.size(),
          points.size() / kBatch);
  }

  // --- files that are not what they should be ----------------------------------------------------

  void wrong_files_are_refused_untouched_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("JSON file") << "json"
                               << "is not a Switchyard database: it is not an SQLite file";
    QTest::newRow("shorter than a header") << "short"
                                           << "shorter than an SQLite header";
    QTest::newRow("another program's database")
        << "foreign"
        << "is not a Switchyard database: it is an SQLite database of another "
           "program (it holds the tables moz_places)";
    QTest::newRow("another application_id") << "app_id"
                                            << "(application_id 0x0f055112)";
    QTest::newRow("a user_version but no application_id")
        << "user_version"
        << "(user_version 3, no Switchyard application_id)";
    QTest::newRow("newer schema") << "newer"
                                  << QString(
                                         "has schema version 99; this Switchyard reads up to "
                                         "%1 — update Switchyard")
                                         .arg(latest_schema_version());
    QTest::newRow("newer schema, still in the WAL") << "newer_in_wal"
                                                    << "has schema version 99";
    // The same number on a schema this build knows: the header's bytes are damaged, and no
    // newer Switchyard is to blame.
    QTest::newRow("damaged user_version")
        << "damaged_version"
        << QString(
               "is damaged: its schema version (user_version, in the file's header) reads "
               "1094795585, but its tables are exactly those of version %1")
               .arg(latest_schema_version());
    QTest::newRow("damaged user_version, an older schema")
        << "damaged_old_version"
        << "is damaged: its schema version (user_version, in the file's header) reads 77, but "
           "its tables are exactly those of version 1";
    QTest::newRow("negative user_version")
        << "negative_version"
        << "is damaged: its schema version (user_version, in the file's header) reads -2, which "
           "no Switchyard writes";
    QTest::newRow("truncated") << "truncated"
                               << "is damaged: it is";
    QTest::newRow("garbage after the header") << "garbage"
                                              << "is damaged";
    QTest::newRow("a table missing")
        << "missing_table"
        << QString("the table tags of schema version %1").arg(latest_schema_version());
  }

  void wrong_files_are_refused_untouched() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const std::string path = dir.filePath("switchyard.db").toStdString();
    if (kind == "json") {
      write_file(path, "{\"tasks\": [\"reverse\", \"count\"]}\n");
    } else if (kind == "short") {
      write_file(path, std::string("SQLite format 3\0\x10\x00", 18));
    } else if (kind == "foreign" || kind == "app_id" || kind == "user_version") {
      Database raw(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      raw.exec("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)");
      raw.exec("INSERT INTO moz_places (url) VALUES ('https://example.org')");
      if (kind == "app_id") raw.exec("PRAGMA application_id = 252006674");  // 0x0f055112
      if (kind == "user_version") raw.exec("PRAGMA user_version = 3");
    } else if (kind == "newer") {
      // A newer Switchyard's schema: a migration step this build does not know.
      make_store_db(path, 10);
      Database raw(path, SQLITE_OPEN_READWRITE);
      raw.exec("ALTER TABLE runs ADD COLUMN future TEXT");
      raw.exec("PRAGMA user_version = 99");
    } else if (kind == "newer_in_wal") {
      // A newer Switchyard that crashed: its migration sits in the WAL, not yet in the file.
      make_store_db(path, 10);
      Database raw(path, SQLITE_OPEN_READWRITE);
      raw.set_checkpoint_on_close(false);
      raw.exec("CREATE TABLE future (id INTEGER PRIMARY KEY)");
      raw.exec("PRAGMA user_version = 99");
    } else if (kind == "damaged_version" || kind == "negative_version") {
      // Four bytes of the header overwritten (offset 60, big-endian), nothing else.
      make_store_db(path, 10);
      std::string bytes = read_file(path);
      const char* value = kind == "damaged_version" ? "AAAA" : "\xff\xff\xff\xfe";
      bytes.replace(60, 4, value, 4);
      write_file(path, bytes);
    } else if (kind == "damaged_old_version") {
      Database raw(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      migrate(raw, 1);
      raw.exec("PRAGMA user_version = 77");
    } else if (kind == "truncated") {
      make_store_db(path, 20000);
      const std::string bytes = read_file(path);
      write_file(path, bytes.substr(0, bytes.size() / 2));
    } else if (kind == "garbage") {
      make_store_db(path, 20000);
      std::string bytes = read_file(path);
      std::mt19937 rng(1);
      for (size_t i = 100; i < bytes.size(); ++i) bytes[i] = char(rng());
      write_file(path, bytes);
    } else if (kind == "missing_table") {
      make_store_db(path, 10);
      Database(path, SQLITE_OPEN_READWRITE).exec("DROP TABLE tags");
    }
    const QStringList files_before = files_in(dir.path());
    const std::string bytes_before = read_file(path);
    const std::string wal_before = read_file(path + "-wal");

    const std::string message = error_of([&] { Store::open(path); });
    QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
    QVERIFY2(message.rfind(path, 0) == 0 || message.find(" " + path) != std::string::npos,
             message.c_str());
    QVERIFY2(read_file(path) == bytes_before, "the file changed");
    QVERIFY2(read_file(path + "-wal") == wal_before, "the WAL changed");
    QCOMPARE(files_in(dir.path()), files_before);  // no -wal, -shm or -journal left behind
  }

  // Pages damaged after the schema's: open() may still succeed (it reads the header and the
  // schema), but verify_intact() names the damage instead of a reader showing nothing.
  void damaged_pages_are_reported_by_verify_intact() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("switchyard.db").toStdString();
    make_store_db(path, 20000);
    Store::open(path).verify_intact();  // whole: no error
    std::string bytes = read_file(path);
    QVERIFY(bytes.size() > 7 * 4096);
    std::mt19937 rng(2);
    for (size_t i = 4096; i < 6 * 4096; ++i) bytes[i] = char(rng());  // pages 2-6
    write_file(path, bytes);
    const std::string message = error_of([&] {
      Store store = Store::open(path);
      store.verify_intact();
    });
    QVERIFY2(message.rfind(path + " is damaged (", 0) == 0, message.c_str());
    QVERIFY2(message.find("restore a backup") != std::string::npos, message.c_str());
  }

  void a_folder_is_not_a_database() {
    QTemporaryDir dir;
    const std::string message = error_of([&] { Store::open(dir.path().toStdString()); });
    QVERIFY2(message.find("is a folder; expected the path of a Switchyard database file") !=
                 std::string::npos,
             message.c_str());
    QVERIFY(!error_of([&] { Store::open(""); }).empty());
  }

  void unwritable_places_are_refused_untouched() {
    QTemporaryDir dir;
    const QString root = dir.path();
    QVERIFY(QDir(root).mkdir("locked") && QDir(root).mkdir("open"));
    const std::string locked = (root + "/locked").toStdString();
    const std::string in_locked = locked + "/switchyard.db";
    const std::string readonly_file = (root + "/open/switchyard.db").toStdString();
    make_store_db(in_locked, 10);
    make_store_db(readonly_file, 10);
    // As root, `nobody` must reach the folders; for everyone they are read-only now.
    chmod(root.toLocal8Bit().constData(), 0755);
    chmod((root + "/open").toLocal8Bit().constData(), 0777);
    chmod(locked.c_str(), 0555);
    chmod(in_locked.c_str(), 0666);  // the file itself writable: only its folder is locked
    chmod(readonly_file.c_str(), 0444);
    const std::string locked_bytes = read_file(in_locked);
    const std::string readonly_bytes = read_file(readonly_file);

    const ChildOutcome new_file = as_unprivileged([&] { Store::open(locked + "/new.db"); });
    const ChildOutcome existing = as_unprivileged([&] { Store::open(in_locked); });
    const ChildOutcome file = as_unprivileged([&] { Store::open(readonly_file); });
    chmod(locked.c_str(), 0755);  // so QTemporaryDir can clean up
    chmod(readonly_file.c_str(), 0644);
    if (!new_file.ran) QSKIP("cannot drop root privileges here to test permissions");

    QVERIFY2(new_file.error.find("Cannot create the database " + locked + "/new.db: the folder " +
                                 locked + " is read-only") != std::string::npos,
             new_file.error.c_str());
    QVERIFY2(existing.error.find("its folder " + locked + " is read-only") != std::string::npos,
             existing.error.c_str());
    QVERIFY2(file.error.find("Cannot write to the database " + readonly_file +
                             ": the file is read-only") != std::string::npos,
             file.error.c_str());
    QCOMPARE(files_in(QString::fromStdString(locked)), QStringList{"switchyard.db"});
    QCOMPARE(files_in(root + "/open"), QStringList{"switchyard.db"});
    QVERIFY(read_file(in_locked) == locked_bytes);
    QVERIFY(read_file(readonly_file) == readonly_bytes);
  }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
