// What "runs that differ only by seed" means, in one place: the run list folds such runs into
// one row (SeedGroupModel) and the compare view draws them as one mean line with a min–max band,
// and the two must agree on which runs are replicates of one setting.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include "ui/run_trace.h"

namespace sy::ui {

// Runs with equal keys differ only by seed: the same experiment, strategy, label, task sequence
// and stored settings (runs.config, docs/storage.md — the resolved strategy settings and the
// quick flag; the seed is not among them). `config_json` is compared as parsed JSON without its
// "experiment_file" (where the file was read from, not a setting); an empty config means "not
// known" and only matches other unknown ones. An empty label stands for the strategy's name, as
// in the store.
QString seed_group_key(const QString& experiment, const QString& strategy, const QString& label,
                       const QStringList& tasks, const QString& config_json);
QString seed_group_key(const RunTrace& run, const QString& config_json);

// Which runs of one seed group are its samples: one per seed, the newest (highest id). A rerun
// of a seed repeats that seed rather than adding a sample, so it must not narrow the spread or
// raise n. `seeds[i]` and `ids[i]` are run i's; returns the indices that count, in input order.
QVector<int> one_run_per_seed(const QVector<uint64_t>& seeds, const QVector<int64_t>& ids);

}  // namespace sy::ui
