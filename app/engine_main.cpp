// switchyard-engine: the headless engine. Every run the GUI can start can also be started here,
// by hand on a GPU server or by a cluster scheduler.
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include <unistd.h>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/dist/launcher.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "storage/store_error.h"

namespace {

const char* kHelp = R"(switchyard-engine — the Switchyard engine (continual instruction tuning)

usage: switchyard-engine COMMAND [OPTIONS]

commands:
  tasks [--examples] [--seed N]
      List the built-in tasks (with one example each when --examples is given).

  schema [--json]
      The experiment file's fields with their defaults and ranges, the strategies with their
      own settings and the built-in tasks (--json: the document of docs/engine-cli.md).

  pretrain --out DIR [--documents N] [--config MODEL.json] [--vocab N | --tokenizer DIR]
        [TRAINING OPTIONS]
      Pretrain a base model from scratch on the generated corpus (defaults: the built-in
      ~0.8M-parameter model reading bytes, 200000 documents, 3000 steps, batch 32, lr 2e-3,
      cosine schedule, 100 warmup steps, weight decay 0.01). --vocab N first learns a
      byte-level BPE vocabulary of N tokens from the corpus (saved as DIR/tokenizer.json);
      --tokenizer uses an existing tokenizer.json.

  train (--task NAME | --jsonl FILE [--test-jsonl FILE]) [--model DIR] [--mode lora|full]
        [--rank R] [--alpha A] [--dropout P] [--targets a,b,...] [--train-examples N]
        [--test-examples N] [--out DIR] [--no-eval] [--max-new-tokens N] [--weights-dtype D]
        [TRAINING OPTIONS]
      Train one task: a LoRA adapter (default: r 8, alpha 16, dropout 0.05 on
      qkv_proj,o_proj,up_proj,down_proj, lr 2e-3) or the full model (--mode full, lr 3e-4).
      Prints the task's test score before and after; --out saves the adapter (PEFT layout)
      or the model.

  generate (--instruction TEXT [--input TEXT] | --prompt TEXT) [--model DIR] [--adapter DIR]
           [--max-new-tokens N] [--temperature T] [--top-p P] [--seed N] [--no-cache]
           [--weights-dtype D]
      Generate an answer (greedy unless --temperature > 0).

  run (EXPERIMENT.json | --demo) [--summary FILE] [--quick] [--device D] [--events]
        [--db FILE | --no-db]
      Run every strategy of an experiment over its task sequence (docs/experiments.md);
      --demo runs the shipped demo experiment (share/switchyard/experiments/demo.json):
      prints each run's score matrix and a table of AP, forgetting, BWT, FWT and router
      accuracy; --summary writes all of it as JSON; --quick runs a few steps and examples
      only (a check of the whole pipeline in seconds). Everything is recorded in the store
      (docs/storage.md) unless --no-db; --events writes one JSON object per line on stdout
      for everything that happens (docs/events.md) and moves the tables to stderr.

  resume (RUN | --experiment ID) [--events] [--db FILE]
      Continue an interrupted, cancelled or failed run after its last finished stage; it
      ends with the results an uninterrupted run would have had. --experiment continues a
      whole stored experiment: its interrupted and cancelled runs, then the runs it never
      started (failed runs are named and left alone).

  extend RUN (--task NAME | --jsonl FILE [--test-jsonl FILE] [--name NAME] [--metric M])
         [--events] [--db FILE]
      Add one task to the end of a finished run's sequence and train only it (switchcit: a
      new expert and a retrained switch; earlier experts stay bit-identical); the new task
      gets scores after stage 0 and after the previous last stage, and the run a new row.

  serve [--db FILE] [--weights-dtype D]
      Answer requests on stdin, one JSON object per line, one JSON line each on stdout
      (the app's playground): {"op":"load","run":ID}, then {"op":"ask","instruction":...,
      "input":...,"adapter":null|POSITION}; switchcit also gives the switch's probabilities.

  score --metric exact|rouge1|rouge2|rougeL|rougeLsum|bleu|sari|constraint
        --predictions FILE --references FILE [--sources FILE] [--stem] [--sentence]
      Score predictions, one item per line (a line starting with '"' is a JSON string; a
      references line may be a JSON array of references). ROUGE as rouge-score (--stem:
      Porter), BLEU as sacrebleu (--sentence: mean sentence BLEU), SARI as evaluate (needs
      --sources), constraint: "starts with: W" / "contains: W" / "ends with: W". Prints JSON.

  score --metric cl --matrix FILE
      AP, forgetting, BWT, FWT of a score matrix (JSON array of T+1 rows of T scores in [0,1]).

  forward --input IN.json --output OUT.json [--model DIR] [--adapter DIR] [--weights-dtype D]
      Logits for {"input_ids": [[...]], "attention_mask": [[...]]} (mask optional, left
      padding) as {"logits": [batch][position][vocab]} in FP32.

  tokenize --tokenizer FILE|DIR [--special]
      Encode JSON strings read one per line on stdin with a Hugging Face tokenizer.json (or a
      folder holding one); writes {"ids": [...], "decoded": "..."} per line. --special adds
      the tokenizer's special tokens (its post-processor, e.g. BOS).

  estimate EXPERIMENT.json [--quick] [--json]
      The memory a run of the experiment needs at its peak (weights, training state,
      activations: an upper bound) beside the memory available; run refuses what cannot fit.

  plan EXPERIMENT.json --out DIR [--quick] [--device D] [--seed N]
       [--slurm [--partition P] [--time T] [--cpus-per-unit N] [--gpus-per-unit N]
                [--engine PATH] [--db FILE] [--sbatch-options "..."]]
      Split an experiment into units that can run anywhere (docs/cluster.md): one per expert
      of oracle/switchcit, one per sequential or multitask run, one per seed assembling the
      oracle and switchcit runs; writes DIR/plan.json, and with --slurm DIR/submit.sh (a job
      array, afterok dependencies and a last job that imports into --db, or only checks).

  unit DIR ID
      Run unit ID of the plan in DIR; its result bundle (events, adapters, checkpoints,
      checksums) goes to DIR/units/ID, never to a database.

  import DIR [--db FILE | --check]
      Check every bundle of the plan and store all its runs in one transaction, as a local
      run stores them; a missing or damaged bundle is named and nothing is stored; importing
      the same plan again changes nothing. --check only checks.

  watch DIR [--once] [--interval S] [--events] [--import [--db FILE]] [--cancel-jobs]
      Follow a plan: each unit's state from its bundle and Slurm's squeue; --events passes
      the units' events on to stdout as they happen; --import imports once all are complete;
      --cancel-jobs: SIGINT/SIGTERM to watch also cancels the plan's Slurm jobs.

  list [--experiment NAME] [--status STATUS] [--tag TAG] [--json] [--db FILE]
      The runs in the store, newest first: id, experiment, label, strategy, seed, status,
      stages done, AP, start time and duration.

  show RUN [--json] [--db FILE]
      One run: its settings and status, tasks, score matrix, AP/forgetting/BWT/FWT/router
      accuracy, router confusion matrices, adapters, tags and notes.

  export RUN --format json|csv --output PATH [--db FILE]
      Everything of a run plus its training curve: one JSON document (PATH "-": stdout), or
      scores.csv, train.csv, confusion.csv and summary.csv in the folder PATH.

  export-adapter RUN TASK DIR [--force] [--db FILE]
      Write the adapter a run trained on TASK (its name, or its position from 1) to DIR as
      adapter_model.safetensors + adapter_config.json (PEFT layout).

  check [--full] [--db FILE]
      Read every page of the store (SQLite's quick_check; --full: integrity_check, which also
      checks indexes): "ok: ..." or one error line naming the damage.

training options:
  --steps N  --batch-size N  --grad-accum N  --lr X  --weight-decay X
  --schedule constant|linear|cosine  --warmup N  --max-grad-norm X (0: off)  --seed N
  --precision fp32|bf16|fp16|auto  (fp16: CUDA only, with loss scaling; auto: bf16 on a GPU, fp32 on a CPU)
  --nproc N  (train, run) N data-parallel processes on this machine; srun and torchrun work too
             (docs/engine-cli.md#data-parallel-training)

common options:
  --model DIR    a model folder (default: the built-in base model)
  --device D     auto (default: CUDA when present), cpu, cuda or cuda:N
  --weights-dtype auto|fp32|bf16|fp16  (train, generate, forward, serve) the base model's
                 weights in memory; auto: as a Hugging Face folder stores them, fp32 for our
                 own; LoRA weights and optimizer state stay fp32 (docs/models.md)
  --db FILE      the experiment store (default: $XDG_DATA_HOME/switchyard/switchyard.db)

Long work prints progress lines (step, loss, tokens/s, ETA) on stderr; SIGINT or SIGTERM
cancels between training steps. Errors are one line on stderr and exit code 1.
)";

}  // namespace

int main(int argc, char** argv) {
  // GNU OpenMP threads spin for a long time before sleeping; with another busy process on a
  // small machine that made training 20x slower (bench/README.md). A short spin keeps full speed
  // on an idle machine and degrades gracefully under load. libgomp reads this when it loads, so
  // the process restarts itself once with it set; the user's own setting always wins.
  if (!std::getenv("GOMP_SPINCOUNT") && !std::getenv("OMP_WAIT_POLICY")) {
    setenv("GOMP_SPINCOUNT", "20000", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
  }
  bool help = argc < 2;
  for (int i = 1; i < argc; ++i) {
    help = help || !std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h");
  }
  if (help || !std::strcmp(argv[1], "help")) {
    std::cout << kHelp;
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::cout << "switchyard-engine " << SWITCHYARD_VERSION << "\n";
    return 0;
  }
  // --nproc N: this process starts N data-parallel ranks of the command and waits for them
  // (engine/dist/launcher.h); it takes SIGINT / SIGTERM itself, so this comes first.
  try {
    if (auto code = sy::dist::run_ranks_if_asked(argc, argv, {"train", "run", "unit"}))
      return *code;
  } catch (const sy::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  sy::watch_for_cancel();
  sy::tune_cpu_runtime();
  const std::string command = argv[1];
  try {
    if (command == "tasks") return sy::command_tasks(argc, argv);
    if (command == "schema") return sy::command_schema(argc, argv);
    if (command == "pretrain") return sy::command_pretrain(argc, argv);
    if (command == "train") return sy::command_train(argc, argv);
    if (command == "generate") return sy::command_generate(argc, argv);
    if (command == "run") return sy::command_run(argc, argv);
    if (command == "resume") return sy::command_resume(argc, argv);
    if (command == "extend") return sy::command_extend(argc, argv);
    if (command == "serve") return sy::command_serve(argc, argv);
    if (command == "score") return sy::command_score(argc, argv);
    if (command == "forward") return sy::command_forward(argc, argv);
    if (command == "tokenize") return sy::command_tokenize(argc, argv);
    if (command == "plan") return sy::command_plan(argc, argv);
    if (command == "unit") return sy::command_unit(argc, argv);
    if (command == "import") return sy::command_import(argc, argv);
    if (command == "watch") return sy::command_watch(argc, argv);
    if (command == "estimate") return sy::command_estimate(argc, argv);
    if (command == "list") return sy::command_list(argc, argv);
    if (command == "show") return sy::command_show(argc, argv);
    if (command == "export") return sy::command_export(argc, argv);
    if (command == "export-adapter") return sy::command_export_adapter(argc, argv);
    if (command == "check") return sy::command_check(argc, argv);
    std::cerr << "error: unknown command \"" << command << "\"; see switchyard-engine --help\n";
    return 2;
  } catch (const sy::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const sy::store::StoreError& e) {  // a database that is missing, damaged or newer
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}
