// Data-parallel training with the real engine as real processes over c10d's Gloo on 127.0.0.1:
// two ranks train the adapter (LoRA with dropout on) and the full model one rank trains with the
// same global batch, within 1e-5 relative, printing the loss curve once; `run --nproc 2` records
// one run with one curve; a rank that is killed ends the others with an `error:` line at once, a
// rank whose peer never comes ends with an error naming its timeout, and bad settings are one
// `error:` line each. In process: a shard's dropout masks are bit for bit its rows' masks in the
// whole batch.
#include <QtTest>

#include <cmath>
#include <csignal>
#include <string>

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/kernels/dropout_mask.h"
#include "engine/kernels/fused_lora.h"
#include "engine/model/tensor_io.h"

using namespace sy;

namespace {

// The collective timeout the failure tests run under, in seconds.
constexpr int kTimeoutS = 6;

struct Outcome {
  int code = -1;  // -1: crashed (killed by a signal)
  QString out, err;
};

QProcessEnvironment base_env() {
  auto env = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                           "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_ID"}) {
    env.remove(name);
  }
  return env;
}

// The failure tests' ranks give up after kTimeoutS; the others keep the default (60 s), so that
// a slow start on a busy machine is no failure.
QProcessEnvironment short_timeout(QProcessEnvironment env) {
  env.insert("SWITCHYARD_DIST_TIMEOUT_S", QString::number(kTimeoutS));
  return env;
}

QProcessEnvironment rank_env(int rank, int ranks, int port) {
  auto env = short_timeout(base_env());
  env.insert("RANK", QString::number(rank));
  env.insert("WORLD_SIZE", QString::number(ranks));
  env.insert("MASTER_ADDR", "127.0.0.1");
  env.insert("MASTER_PORT", QString::number(port));
  return env;
}

void start(QProcess& process, const QStringList& args, const QProcessEnvironment& env) {
  process.setProcessEnvironment(env);
  process.start(SY_ENGINE_BIN, args);
  if (!process.waitForStarted(10000)) qFatal("cannot start %s", SY_ENGINE_BIN);
}

// A process that has not ended after timeout_ms is killed, and its outcome's code is -1.
Outcome finish(QProcess& process, int timeout_ms = 300000) {
  if (!process.waitForFinished(timeout_ms)) {
    process.kill();
    process.waitForFinished(10000);
  }
  Outcome o;
  o.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  o.out = QString::fromUtf8(process.readAllStandardOutput());
  o.err = QString::fromUtf8(process.readAllStandardError());
  return o;
}

Outcome engine(const QStringList& args, const QProcessEnvironment& env = base_env()) {
  QProcess process;
  start(process, args, env);
  return finish(process);
}

// A TCP port free on 127.0.0.1 now, for rank 0's store.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

QString last_line(const QString& text) {
  const auto lines = text.trimmed().split('\n');
  return lines.isEmpty() ? QString() : lines.back();
}

// Two safetensors files (an adapter, a model): all their weights as one vector, ||a - b|| / ||a||
// at most `whole`, and each tensor's at most `each`. Prints both and names the worst tensor.
void compare_tensors(const QString& one, const QString& two, double whole, double each) {
  const auto a = load_safetensors(one.toStdString());
  const auto b = load_safetensors(two.toStdString());
  QCOMPARE(a.size(), b.size());
  double worst = 0, diff2 = 0, norm2 = 0;
  std::string worst_name;
  for (const auto& [name, tensor] : a) {
    QVERIFY2(b.count(name), name.c_str());
    const auto x = tensor.to(torch::kDouble), y = b.at(name).to(torch::kDouble);
    QCOMPARE(x.sizes().vec(), y.sizes().vec());
    const double d2 = (x - y).pow(2).sum().item<double>(), n2 = x.pow(2).sum().item<double>();
    diff2 += d2, norm2 += n2;
    const double relative = std::sqrt(d2 / std::max(n2, 1e-300));
    if (relative > worst) worst = relative, worst_name = name;
  }
  const double all = std::sqrt(diff2 / std::max(norm2, 1e-300));
  qInfo(
      "%zu tensors: relative difference %.2e in all (tolerance %.0e), %.2e in the worst tensor "
      "%s (tolerance %.0e)",
      a.size(), all, whole, worst, worst_name.c_str(), each);
  QVERIFY2(all <= whole, "all weights");
  QVERIFY2(worst <= each, worst_name.c_str());
}

// The progress lines' losses by step ("train reverse step 3/6 ...  loss 4.2632 ...").
std::map<int, double> printed_losses(const QString& err, int* lines = nullptr) {
  static const QRegularExpression re(R"(step (\d+)/\d+ .* loss (\S+))");
  std::map<int, double> losses;
  int count = 0;
  for (const auto& line : err.split('\n')) {
    const auto m = re.match(line);
    if (!m.hasMatch()) continue;
    ++count;
    losses[m.captured(1).toInt()] = m.captured(2).toDouble();
  }
  if (lines) *lines = count;
  return losses;
}

// --seed 0: the one-rank run's seed; two ranks draw the same batches and masks.
const QStringList kTrain = {"train", "--task",       "reverse", "--train-examples",
                            "200",   "--seed",       "0",       "--batch-size",
                            "8",     "--grad-accum", "2",       "--no-eval"};

// The same `train` by one process, saved to dir/one, and by `--nproc 2`, saved to dir/two.
void train_one_and_two(const QStringList& args, const QTemporaryDir& dir, Outcome& one,
                       Outcome& two) {
  one = engine(args + QStringList{"--out", dir.filePath("one")});
  QVERIFY2(one.code == 0, qPrintable(one.err));
  two = engine(args + QStringList{"--nproc", "2", "--out", dir.filePath("two")});
  QVERIFY2(two.code == 0, qPrintable(two.err));
}

}  // namespace

class TestDataParallel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // A shard's masks are its rows' in the whole batch, bit for bit: hashed dropout over [B, T, d]
  // activations and over the [N, d] response rows the last block gathers, and the fused LoRA
  // layer's mask (its products then differ only by rounding; a wrong mask would be O(1)).
  void a_shards_dropout_masks_are_its_rows_masks_in_the_whole_batch() {
    const auto x = torch::randn({4, 5, 32});
    torch::manual_seed(11);
    const auto whole = hashed_dropout(x, 0.3);
    torch::manual_seed(11);
    torch::Tensor shard;
    {
      DropoutShardScope rows(1, 99);  // rows 1-2 of 4; the gathered rows' offset plays no part
      shard = hashed_dropout(x.narrow(0, 1, 2).contiguous(), 0.3);
    }
    QVERIFY(torch::equal(shard, whole.narrow(0, 1, 2)));

    const auto gathered = torch::randn({10, 32});
    torch::manual_seed(12);
    const auto whole_rows = hashed_dropout(gathered, 0.3);
    torch::manual_seed(12);
    {
      DropoutShardScope rows(2, 3);  // gathered rows 3-9
      shard = hashed_dropout(gathered.narrow(0, 3, 7).contiguous(), 0.3);
    }
    QVERIFY(torch::equal(shard, whole_rows.narrow(0, 3, 7)));
    // Outside a scope, masks are as they always were.
    torch::manual_seed(12);
    QVERIFY(torch::equal(hashed_dropout(gathered, 0.3), whole_rows));

    const auto w = torch::randn({48, 32}), bias = torch::randn({48});
    const auto a = torch::randn({4, 32}), b = torch::randn({48, 4});
    QVERIFY(fused_lora_applies(x, w, a, b));
    torch::manual_seed(13);
    const auto y = fused_lora_linear(x, w, bias, a, b, 2.0, 0.5);
    torch::manual_seed(13);
    torch::Tensor y_shard;
    {
      DropoutShardScope rows(2, 0);
      y_shard = fused_lora_linear(x.narrow(0, 2, 2).contiguous(), w, bias, a, b, 2.0, 0.5);
    }
    QVERIFY(torch::allclose(y_shard, y.narrow(0, 2, 2), 1e-5, 1e-5));
  }

  // 2 ranks x 4 rows = 1 rank x 8 rows per micro-batch, 2 micro-batches a step, dropout 0.1.
  // Float sums in another order are all that differs, and Adam's g / (sqrt(v) + eps) magnifies
  // them where a gradient nearly cancels: measured over seeds 0-5, 5e-7 to 5e-6 relative in all
  // weights and 1e-6 to 2e-5 in the worst tensor, the size of the difference one process makes
  // when oneDNN's sgemm is swapped for BLAS (9e-6 and 4e-5 at seed 3).
  void lora_over_two_ranks_equals_one_rank() {
    QTemporaryDir dir;
    Outcome one, two;
    train_one_and_two(kTrain + QStringList{"--steps", "6", "--dropout", "0.1"}, dir, one, two);
    if (QTest::currentTestFailed()) return;
    compare_tensors(dir.filePath("one/adapter_model.safetensors"),
                    dir.filePath("two/adapter_model.safetensors"), 1e-5, 1e-4);

    // The curve is printed once, by rank 0, with the global loss: the one rank's.
    QVERIFY2(two.err.contains("over 2 data-parallel ranks"), qPrintable(two.err));
    QVERIFY2(!two.err.contains("rank 1:"), qPrintable(two.err));
    int lines_one = 0, lines_two = 0;
    const auto losses_one = printed_losses(one.err, &lines_one);
    const auto losses_two = printed_losses(two.err, &lines_two);
    QCOMPARE(lines_two, lines_one);
    QCOMPARE(int(losses_two.size()), lines_two);  // no step twice
    QVERIFY(losses_two.count(6));
    for (const auto& [step, loss] : losses_one) {
      QVERIFY2(losses_two.count(step), qPrintable(QString("step %1").arg(step)));
      QVERIFY2(
          std::abs(losses_two.at(step) - loss) <= 1e-4 * std::abs(loss) + 1e-4,
          qPrintable(QString("step %1: %2 vs %3").arg(step).arg(loss).arg(losses_two.at(step))));
    }
    QCOMPARE(two.out.count("saved the adapter"), 1);
  }

  // Every weight of the model trains; the ranks' gradients travel in flat buckets. The weights
  // are large next to 4 steps of lr 3e-4, so the same rounding is a smaller part of them.
  void full_finetune_over_two_ranks_equals_one_rank() {
    QTemporaryDir dir;
    Outcome one, two;
    train_one_and_two(kTrain + QStringList{"--steps", "4", "--mode", "full"}, dir, one, two);
    if (QTest::currentTestFailed()) return;
    compare_tensors(dir.filePath("one/model.safetensors"), dir.filePath("two/model.safetensors"),
                    1e-5, 1e-5);
  }

  // `run --nproc 2`: rank 0 alone writes the store, so the run and its curve are there once;
  // they and its adapters are the one-rank run's.
  void run_over_two_ranks_records_one_run_and_one_curve() {
    QTemporaryDir dir;
    const QString experiment = dir.filePath("dp.json");
    QFile file(experiment);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({
      "name": "dp", "tasks": ["reverse", "capitalize"],
      "data": {"train_examples": 200, "test_examples": 4},
      "training": {"steps": 5, "batch_size": 8, "precision": "fp32",
                   "lora": {"r": 8, "alpha": 16, "dropout": 0.1,
                            "target_modules": ["qkv_proj", "o_proj", "up_proj", "down_proj"]}},
      "strategies": ["seq-lora"],
      "evaluation": {"max_new_tokens": 8}
    })");
    file.close();
    std::map<QString, nlohmann::json> exported;
    for (const QString name : {"one", "two"}) {
      const QString db = dir.filePath(name + ".db");
      QStringList args = {"run", experiment, "--db", db};
      if (name == "two") args += QStringList{"--nproc", "2"};
      const Outcome o = engine(args);
      QVERIFY2(o.code == 0, qPrintable(o.err));
      QCOMPARE(o.out.count("total wall time"), 1);
      QVERIFY2(!o.err.contains("rank 1:"), qPrintable(o.err));
      const Outcome listed = engine({"list", "--json", "--db", db});
      QVERIFY2(listed.code == 0, qPrintable(listed.err));
      QCOMPARE(nlohmann::json::parse(listed.out.toStdString()).size(), size_t(1));
      const Outcome e = engine({"export", "1", "--format", "json", "--output", "-", "--db", db});
      QVERIFY2(e.code == 0, qPrintable(e.err));
      exported[name] = nlohmann::json::parse(e.out.toStdString());
      const Outcome a = engine({"export-adapter", "1", "2", dir.filePath(name), "--db", db});
      QVERIFY2(a.code == 0, qPrintable(a.err));
    }
    const auto& one = exported["one"]["train"];
    const auto& two = exported["two"]["train"];
    QCOMPARE(two.size(), size_t(10));  // 2 stages x 5 steps, each once
    QCOMPARE(two.size(), one.size());
    for (size_t i = 0; i < one.size(); ++i) {
      QCOMPARE(two[i]["step"], one[i]["step"]);
      const double a = one[i]["loss"], b = two[i]["loss"];
      QVERIFY2(std::abs(a - b) <= 1e-5 * std::abs(a),
               qPrintable(QString("%1 vs %2").arg(a).arg(b)));
    }
    compare_tensors(dir.filePath("one/adapter_model.safetensors"),
                    dir.filePath("two/adapter_model.safetensors"), 1e-5, 1e-4);
  }

  // srun's variables (no RANK/WORLD_SIZE) make the same job, here two tasks on one node.
  void srun_variables_make_the_same_job() {
    QTemporaryDir dir;
    const QStringList lora = kTrain + QStringList{"--steps", "3"};
    const Outcome one = engine(lora + QStringList{"--out", dir.filePath("one")});
    QVERIFY2(one.code == 0, qPrintable(one.err));
    const int port = free_port();
    QProcess tasks[2];
    for (int id : {0, 1}) {
      auto env = base_env();
      env.insert("SLURM_PROCID", QString::number(id));
      env.insert("SLURM_LOCALID", QString::number(id));
      env.insert("SLURM_NTASKS", "2");
      env.insert("SLURM_NNODES", "1");
      env.insert("SLURM_STEP_ID", "0");
      env.insert("MASTER_PORT", QString::number(port));
      start(tasks[id], lora + QStringList{"--out", dir.filePath(QString("task%1").arg(id))}, env);
    }
    const Outcome rank0 = finish(tasks[0]), rank1 = finish(tasks[1]);
    QVERIFY2(rank0.code == 0, qPrintable(rank0.err));
    QVERIFY2(rank1.code == 0, qPrintable(rank1.err));
    QVERIFY2(rank0.err.contains("over 2 data-parallel ranks"), qPrintable(rank0.err));
    QVERIFY2(rank1.err.isEmpty() && rank1.out.isEmpty(), qPrintable(rank1.err + rank1.out));
    QVERIFY(!QFile::exists(dir.filePath("task1")));  // only rank 0 writes
    compare_tensors(dir.filePath("one/adapter_model.safetensors"),
                    dir.filePath("task0/adapter_model.safetensors"), 1e-5, 1e-4);
  }

  // A job of ranks started by hand, as srun or torchrun would: SIGKILL rank 1 mid-training, and
  // rank 0 ends with an error naming the failed all-reduce (the socket closes: no need to wait
  // for the timeout).
  void a_killed_rank_ends_the_others_with_an_error() {
    const int port = free_port();
    const QStringList args = kTrain + QStringList{"--steps", "100000"};
    QProcess rank0, rank1;
    QDeadlineTimer deadline(120000);  // a wait's limit, not a bound on speed
    start(rank0, args, rank_env(0, 2, port));
    start(rank1, args, rank_env(1, 2, port));
    // Wait for training to run: rank 0's first progress line.
    QString err0;
    while (!err0.contains("step 1/") && !deadline.hasExpired()) {
      rank0.waitForReadyRead(500);
      err0 += QString::fromUtf8(rank0.readAllStandardError());
    }
    QVERIFY2(err0.contains("step 1/"), qPrintable(err0));
    ::kill(static_cast<pid_t>(rank1.processId()), SIGKILL);
    Outcome o = finish(rank0, (kTimeoutS + 30) * 1000);  // past it, rank 0 hung: killed, code -1
    o.err = err0 + o.err;
    rank1.waitForFinished(10000);
    QCOMPARE(o.code, 1);
    QVERIFY2(last_line(o.err).startsWith("error: data-parallel rank 0 of 2: the all-reduce"),
             qPrintable(o.err));
  }

  // The same through --nproc: the launcher stops the other rank and names the one that died.
  void the_launcher_stops_the_others_when_a_rank_dies() {
    QProcess launcher;
    QDeadlineTimer deadline(120000);  // a wait's limit, not a bound on speed
    start(launcher, kTrain + QStringList{"--steps", "100000", "--nproc", "2"},
          short_timeout(base_env()));
    QString err;
    while (!err.contains("step 1/") && !deadline.hasExpired()) {
      launcher.waitForReadyRead(500);
      err += QString::fromUtf8(launcher.readAllStandardError());
    }
    QVERIFY2(err.contains("step 1/"), qPrintable(err));
    // The launcher's children, in the order it started them: rank 0, rank 1.
    const auto pid = QString::number(launcher.processId());
    QFile children("/proc/" + pid + "/task/" + pid + "/children");
    QVERIFY(children.open(QIODevice::ReadOnly));
    const auto pids = QString::fromUtf8(children.readAll()).split(' ', Qt::SkipEmptyParts);
    QCOMPARE(pids.size(), 2);
    ::kill(pids[1].toInt(), SIGKILL);
    Outcome o = finish(launcher, (kTimeoutS + 30) * 1000);
    o.err = err + o.err;
    QCOMPARE(o.code, 128 + SIGKILL);
    QCOMPARE(last_line(o.err),
             QString("error: rank 1 of 2 was killed by signal 9 (Killed); the other ranks were "
                     "stopped"));
    QVERIFY2(o.err.contains("error: data-parallel rank 0 of 2"), qPrintable(o.err));
  }

  // A rank whose peer never comes: an error within the timeout (rank 0 waits for its store's
  // workers, then for Gloo's rendezvous: twice the timeout at most), not a hang.
  void a_rank_without_its_peer_ends_within_the_timeout() {
    for (int rank : {0, 1}) {
      const Outcome o =
          engine(kTrain + QStringList{"--steps", "5"}, rank_env(rank, 2, free_port()));
      QCOMPARE(o.code, 1);
      QVERIFY2(last_line(o.err).startsWith(QString("error: data-parallel rank %1 of 2").arg(rank)),
               qPrintable(o.err));
      QVERIFY2(last_line(o.err).contains(QString("within %1 s").arg(kTimeoutS)), qPrintable(o.err));
    }
  }

  void bad_settings_are_one_error_line() {
    struct Case {
      QStringList args;
      QMap<QString, QString> env;
      QString error;
    };
    const QStringList train = {"train", "--task", "reverse", "--steps", "1", "--no-eval"};
    const std::vector<Case> cases = {
        {train + QStringList{"--nproc", "0"},
         {},
         "error: option --nproc is \"0\"; expected a number of processes from 1 to 1024"},
        {train + QStringList{"--nproc", "two"},
         {},
         "error: option --nproc is \"two\"; expected a number of processes from 1 to 1024"},
        {{"generate", "--prompt", "hi", "--nproc", "2"},
         {},
         "error: option --nproc is for the commands that train (run, train, unit); `generate` runs "
         "in "
         "one process"},
        {train + QStringList{"--nproc", "2"},
         {{"RANK", "0"}, {"WORLD_SIZE", "2"}},
         "error: option --nproc starts ranks of its own, but RANK or WORLD_SIZE is already set (a "
         "job started by torchrun or by hand); give one or the other"},
        {train,
         {{"RANK", "0"}, {"WORLD_SIZE", "x"}},
         "error: environment variable WORLD_SIZE is \"x\"; expected a whole number of ranks, 1 or "
         "more"},
        {train,
         {{"RANK", "2"}, {"WORLD_SIZE", "2"}},
         "error: environment variable RANK is \"2\"; expected a whole number from 0 to WORLD_SIZE "
         "- "
         "1 (1)"},
        {train,
         {{"RANK", "0"}},
         "error: environment variable WORLD_SIZE is not set; expected a whole number of ranks, 1 "
         "or "
         "more"},
        {train,
         {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"SWITCHYARD_DIST_TIMEOUT_S", "soon"}},
         "error: environment variable SWITCHYARD_DIST_TIMEOUT_S is \"soon\"; expected a number of "
         "seconds above 0"},
        {train,
         {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}},
         "error: environment variable MASTER_PORT is \"70000\"; expected a TCP port from 1 to "
         "65535"},
        {train,
         {{"SLURM_PROCID", "0"},
          {"SLURM_NTASKS", "8"},
          {"SLURM_NNODES", "2"},
          {"SLURM_STEP_ID", "0"}},
         "error: environment variable MASTER_ADDR is not set; an srun job over 2 nodes needs "
         "MASTER_ADDR (the first node's host name) and MASTER_PORT exported "
         "(docs/engine-cli.md, data-parallel training)"},
    };
    for (const auto& c : cases) {
      auto env = base_env();
      for (auto it = c.env.begin(); it != c.env.end(); ++it) env.insert(it.key(), it.value());
      const Outcome o = engine(c.args, env);
      QVERIFY2(o.code == 1, qPrintable(c.args.join(' ') + ": " + o.err));
      QCOMPARE(o.err.trimmed(), c.error);
    }
    // One rank of one (WORLD_SIZE=1, --nproc 1) is a plain run.
    auto env = base_env();
    env.insert("RANK", "0");
    env.insert("WORLD_SIZE", "1");
    const Outcome lone = engine(train, env);
    QVERIFY2(lone.code == 0, qPrintable(lone.err));
    const Outcome nproc1 = engine(train + QStringList{"--nproc", "1"});
    QVERIFY2(nproc1.code == 0, qPrintable(nproc1.err));
    // Slurm's variables outside an srun step (an sbatch script's own shell): one process.
    env = base_env();
    env.insert("SLURM_PROCID", "0");
    env.insert("SLURM_NTASKS", "4");
    const Outcome batch_script = engine(train, env);
    QVERIFY2(batch_script.code == 0, qPrintable(batch_script.err));
  }
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "test_data_parallel.moc"
