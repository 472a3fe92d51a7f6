// bench_store: speed of the experiment store (storage/) on this machine's disk — training points
// stored per second at several batch sizes (one transaction per batch, as the engine writes
// them), reading a run of 1 M points back, the train_points layout against two alternatives
// (which is why it is WITHOUT ROWID), and adapter blobs with their SHA-256.
// Usage: bench_store [--dir DIR] [--points N] [--quick]
//
// It links only switchyard_storage: bench_text.h gives it the torch-free helpers the other
// benchmarks use.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_text.h"
#include "storage/database.h"
#include "storage/sha256.h"
#include "storage/store.h"

namespace {

using sy::store::Database;
using sy::store::Store;
using sy::store::TrainPoint;

using sy::bench::cpu_model_name;
using sy::bench::fixed;
using sy::bench::load_average;
using sy::bench::print_table;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// 1234567 -> "1.23 M", for point counts and rates.
std::string count_text(double n) {
  if (n >= 1e6) return fixed(n / 1e6, 2) + " M";
  if (n >= 1e3) return fixed(n / 1e3, 1) + " k";
  return fixed(n, 0);
}

std::string filesystem_of(const std::string& folder) {
  struct statfs info;
  if (statfs(folder.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53:
      return "ext2/3/4";
    case 0x01021994:
      return "tmpfs (memory)";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x6969:
      return "nfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "f_type 0x%lx", static_cast<unsigned long>(info.f_type));
      return buf;
    }
  }
}

int64_t file_bytes(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : 0;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::remove((path + suffix).c_str());
  }
}

// `count` points of a run, `per_stage` steps per stage, cut into batches of `batch`.
std::vector<std::vector<TrainPoint>> make_batches(int64_t count, int64_t batch, int64_t per_stage) {
  std::vector<std::vector<TrainPoint>> batches;
  std::vector<TrainPoint> current;
  for (int64_t i = 0; i < count; ++i) {
    const int stage = static_cast<int>(i / per_stage) + 1;
    const int64_t step = i % per_stage + 1;
    current.push_back(
        {stage, step, 3.0 / (1.0 + 0.001 * double(step)), 2e-4, 5000.0 + double(i % 97)});
    if (static_cast<int64_t>(current.size()) == batch)
      batches.push_back(std::move(current)), current = {};
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

// Best and first of `repeat` timings of `body`, in milliseconds.
struct Timing {
  double first_ms = 0, best_ms = 0;
};
Timing time_ms(int repeat, const std::function<void()>& body) {
  Timing t;
  for (int i = 0; i < repeat; ++i) {
    const auto start = Clock::now();
    body();
    const double ms = seconds_since(start) * 1e3;
    if (i == 0) t.first_ms = t.best_ms = ms;
    t.best_ms = std::min(t.best_ms, ms);
  }
  return t;
}

// --- the layout comparison
// ------------------------------------------------------------------------

struct Layout {
  const char* name;
  const char* ddl;
};

// The first is the store's own table (storage/schema.cpp); the others are what it could have been.
const Layout kLayouts[] = {
    {"WITHOUT ROWID, PK (run_id, stage, step) [the store]",
     "CREATE TABLE points (run_id INTEGER NOT NULL, stage INTEGER NOT NULL, step INTEGER NOT NULL,"
     " loss REAL, lr REAL, tokens_per_s REAL, PRIMARY KEY (run_id, stage, step)) WITHOUT ROWID"},
    {"rowid table + UNIQUE (run_id, stage, step)",
     "CREATE TABLE points (run_id INTEGER NOT NULL, stage INTEGER NOT NULL, step INTEGER NOT NULL,"
     " loss REAL, lr REAL, tokens_per_s REAL, UNIQUE (run_id, stage, step))"},
    {"rowid table + index on run_id (no uniqueness)",
     "CREATE TABLE points (run_id INTEGER NOT NULL, stage INTEGER NOT NULL, step INTEGER NOT NULL,"
     " loss REAL, lr REAL, tokens_per_s REAL); CREATE INDEX points_by_run ON points(run_id)"},
};

std::vector<std::string> measure_layout(const Layout& layout, const std::string& path,
                                        const std::vector<std::vector<TrainPoint>>& batches,
                                        int64_t points) {
  remove_db(path);
  double ingest_s = 0;
  {
    Database db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    db.exec(layout.ddl);
    const auto start = Clock::now();
    for (const auto& b : batches) {
      sy::store::Transaction transaction(db);
      sy::store::Query q = db.query("INSERT INTO points VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      for (const TrainPoint& p : b) {
        q->bind_int64(1, 2);
        q->bind_int64(2, p.stage);
        q->bind_int64(3, p.step);
        q->bind_real(4, p.loss);
        q->bind_real(5, p.lr);
        q->bind_real(6, p.tokens_per_s);
        q->run();
        q->reset();
      }
      transaction.commit();
    }
    ingest_s = seconds_since(start);
  }
  const int64_t bytes = file_bytes(path);  // closed: the WAL is checkpointed into the file
  Database db(path, SQLITE_OPEN_READWRITE);
  size_t rows = 0;
  const Timing read = time_ms(5, [&] {
    sy::store::Query q = db.query(
        "SELECT stage, step, loss, lr, tokens_per_s FROM points WHERE run_id = ?1 "
        "ORDER BY stage, step");
    q->bind_int64(1, 2);
    std::vector<TrainPoint> out;
    while (q->step()) {
      out.push_back({static_cast<int>(q->column_int64(0)), q->column_int64(1), q->column_real(2),
                     q->column_real(3), q->column_real(4)});
    }
    rows = out.size();
  });
  if (rows != static_cast<size_t>(points)) std::fprintf(stderr, "warning: read %zu rows\n", rows);
  remove_db(path);
  return {layout.name, count_text(points / ingest_s), fixed(read.best_ms, 0),
          fixed(double(bytes) / double(points), 1), fixed(double(bytes) / 1048576.0, 1)};
}

int usage(const char* why) {
  std::fprintf(stderr, "bench_store: %s\nusage: bench_store [--dir DIR] [--points N] [--quick]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int64_t points = 1'000'000;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--points" && i + 1 < argc) {
      points = std::atoll(argv[++i]);
      if (points < 1000) return usage("--points expects a whole number of at least 1000");
    } else if (arg == "--quick") {
      quick = true;
      points = 100'000;
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
  }
  bool own_dir = false;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && tmp[0] ? tmp : "/tmp") + "/bench_store-XXXXXX";
    if (!mkdtemp(pattern.data())) return usage("cannot create a folder under $TMPDIR or /tmp");
    dir = pattern;
    own_dir = true;
  }

  try {
    std::printf("bench_store:");
    for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
    std::printf("\nCPU: %s (%u logical cores)\n", cpu_model_name().c_str(),
                std::thread::hardware_concurrency());
    std::printf("SQLite: %s\n", sqlite3_libversion());
    std::printf("folder: %s (%s)\n", dir.c_str(), filesystem_of(dir).c_str());
    std::printf("load average at start: %s\n\n", load_average().c_str());

    const std::string path = dir + "/bench_store.db";
    remove_db(path);
    const int64_t steps_per_stage = points / 10;  // a long run of 10 stages

    // --- ingest: one transaction per append_train_points call ---------------------------------
    std::printf(
        "Ingest: Store::append_train_points, one transaction per batch (WAL, "
        "synchronous=NORMAL).\n\n");
    std::vector<std::vector<std::string>> ingest = {
        {"batch", "points", "transactions", "seconds", "points/s", "ms/commit"}};
    int64_t big_run = 0;
    {
      Store store = Store::open(path);
      const int64_t experiment = store.create_experiment("bench", "{}");
      struct Case {
        int64_t batch, count;
      };
      std::vector<Case> cases = {
          {1, points / 100}, {10, points / 20}, {100, points / 5}, {1000, points}, {10000, points}};
      if (quick) cases = {{10, points / 10}, {100, points}, {1000, points}};
      for (const Case& c : cases) {
        sy::store::NewRun spec;
        spec.experiment_id = experiment;
        spec.strategy = "seq-lora";
        const int64_t run = store.create_run(spec);
        const auto batches = make_batches(c.count, c.batch, steps_per_stage);
        const auto start = Clock::now();
        for (const auto& b : batches) store.append_train_points(run, b);
        const double s = seconds_since(start);
        if (c.batch == 1000) big_run = run;
        ingest.push_back({std::to_string(c.batch), count_text(double(c.count)),
                          std::to_string(batches.size()), fixed(s, 2),
                          count_text(double(c.count) / s),
                          fixed(s * 1e3 / double(batches.size()), 3)});
      }
      store.set_run_tasks(big_run, {{"reverse", "exact"}, {"count", "exact"}});
      store.put_scores(big_run, 0, {{0, "exact", 0.0}, {1, "exact", 0.1}});
    }
    print_table(ingest);

    // --- reading ------------------------------------------------------------------------------
    std::printf(
        "Reading the run of %s points (batch-1000 row above) through a fresh Store; "
        "first call and best of 5.\n\n",
        count_text(double(points)).c_str());
    std::vector<std::vector<std::string>> reading = {
        {"call", "rows", "first ms", "best ms", "rows/s (best)"}};
    {
      Store store = Store::open(path);
      size_t rows = 0;
      Timing t = time_ms(5, [&] { rows = store.load_train_points(big_run).size(); });
      reading.push_back({"load_train_points(run)", count_text(double(rows)), fixed(t.first_ms, 0),
                         fixed(t.best_ms, 0), count_text(double(rows) / t.best_ms * 1e3)});
      t = time_ms(5, [&] { rows = store.load_train_points(big_run, 3).size(); });
      reading.push_back({"load_train_points(run, stage 3)", count_text(double(rows)),
                         fixed(t.first_ms, 1), fixed(t.best_ms, 1),
                         count_text(double(rows) / t.best_ms * 1e3)});
      t = time_ms(5, [&] { rows = store.load_run(big_run).tasks.size(); });
      reading.push_back(
          {"load_run(run) (all but points)", "-", fixed(t.first_ms, 2), fixed(t.best_ms, 2), "-"});
      t = time_ms(5, [&] { rows = store.list_runs().size(); });
      reading.push_back(
          {"list_runs()", std::to_string(rows), fixed(t.first_ms, 2), fixed(t.best_ms, 2), "-"});
      t = time_ms(5, [&] { Store::open(path); });
      reading.push_back({"Store::open (existing, current schema)", "-", fixed(t.first_ms, 2),
                         fixed(t.best_ms, 2), "-"});
    }
    print_table(reading);
    const int64_t db_bytes = file_bytes(path);
    std::printf("Database file after closing: %.1f MiB for all runs above.\n\n",
                double(db_bytes) / 1048576.0);
    remove_db(path);

    // --- layouts ------------------------------------------------------------------------------
    std::printf(
        "Layout of train_points: %s points of one run in batches of 1000, each layout in "
        "its own file; read = the run ordered by (stage, step), best of 5.\n\n",
        count_text(double(points)).c_str());
    std::vector<std::vector<std::string>> layouts = {
        {"layout", "insert points/s", "read ms", "bytes/point", "file MiB"}};
    const auto batches = make_batches(points, 1000, steps_per_stage);
    for (const Layout& layout : kLayouts) {
      layouts.push_back(measure_layout(layout, dir + "/bench_layout.db", batches, points));
    }
    print_table(layouts);

    // --- adapters -----------------------------------------------------------------------------
    std::printf("Adapters: a 9.4 MiB blob (GPT-2-small, LoRA r64 on qkv, FP32); best of 5.\n\n");
    std::vector<std::vector<std::string>> adapters = {{"call", "best ms", "MiB/s"}};
    {
      std::vector<uint8_t> blob(9437184 + 4096);
      for (size_t i = 0; i < blob.size(); ++i) blob[i] = uint8_t(i * 2654435761u >> 13);
      const double mib = double(blob.size()) / 1048576.0;
      Store store = Store::open(path);
      sy::store::NewRun spec;
      spec.experiment_id = store.create_experiment("bench", "{}");
      spec.strategy = "oracle";
      const int64_t run = store.create_run(spec);
      Timing t = time_ms(5, [&] { sy::store::sha256_hex(blob.data(), blob.size()); });
      adapters.push_back({"sha256 alone", fixed(t.best_ms, 1), fixed(mib / t.best_ms * 1e3, 0)});
      int position = 0;
      t = time_ms(5, [&] { store.put_adapter(run, position++, blob, "{}", 2359296); });
      adapters.push_back(
          {"put_adapter (hash + write)", fixed(t.best_ms, 1), fixed(mib / t.best_ms * 1e3, 0)});
      t = time_ms(5, [&] { store.get_adapter(run, 2); });
      adapters.push_back({"get_adapter (read + verify hash)", fixed(t.best_ms, 1),
                          fixed(mib / t.best_ms * 1e3, 0)});
    }
    print_table(adapters);
    remove_db(path);

    std::printf("load average at end: %s\n", load_average().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_store: %s\n", e.what());
    if (own_dir) rmdir(dir.c_str());
    return 1;
  }
  if (own_dir) rmdir(dir.c_str());
  return 0;
}
