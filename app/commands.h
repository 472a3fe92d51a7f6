// The subcommands of switchyard-engine, one file each. Each returns the process exit code.
#pragma once

#include "app/cli_args.h"

namespace sy {

int command_tasks(int argc, char** argv);
// The experiment schema (command_schema.cpp, docs/engine-cli.md "schema").
int command_schema(int argc, char** argv);
int command_pretrain(int argc, char** argv);
int command_train(int argc, char** argv);
int command_generate(int argc, char** argv);
int command_run(int argc, char** argv);
int command_resume(int argc, char** argv);
int command_extend(int argc, char** argv);
int command_serve(int argc, char** argv);
int command_score(int argc, char** argv);
int command_forward(int argc, char** argv);
int command_tokenize(int argc, char** argv);
// Plans (command_plan.cpp, docs/cluster.md): split, run one unit, import the bundles; follow.
int command_plan(int argc, char** argv);
int command_unit(int argc, char** argv);
int command_import(int argc, char** argv);
int command_watch(int argc, char** argv);
// The memory a run needs, as run checks it (command_estimate.cpp).
int command_estimate(int argc, char** argv);
// The store readers (command_store.cpp): no LibTorch, so tests link them without it.
int command_list(int argc, char** argv);
int command_show(int argc, char** argv);
int command_export(int argc, char** argv);
int command_export_adapter(int argc, char** argv);
int command_check(int argc, char** argv);

}  // namespace sy
