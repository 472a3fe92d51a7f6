// The submission script. Everything that varies is written into variables at the top; the logic
// below is the same for every plan, so that a reader checks it once.
#include "app/slurm_script.h"

#include <sstream>

namespace sy {
namespace {

// Single-quoted for bash: a path may hold spaces or quotes.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

constexpr const char* kLogic = R"bash(
done_unit() { [ -f "$plan_dir/units/$1/checksums.sha256" ]; }
mkdir -p "$plan_dir/slurm"

# Jobs of an earlier submission: any still queued or running would run a unit twice, except
# those that wait for a unit that failed or was cancelled, which would wait forever.
if command -v squeue >/dev/null; then
  while read -r earlier state reason; do
    [ -z "$earlier" ] && continue
    if [ "$state" = PENDING ] && [ "$reason" = DependencyNeverSatisfied ]; then
      scancel "$earlier"
    else
      echo "error: job $earlier of this plan is still $state; wait for it or scancel it, then run $0 again" >&2
      exit 1
    fi
  done < <(squeue -h -r --name="$job_name" -o '%i %T %r')
fi

declare -A job
independent=()
for u in "${!after[@]}"; do
  done_unit "$u" && continue
  waits=0
  for a in ${after[$u]}; do done_unit "$a" || waits=1; done
  [ "$waits" = 0 ] && independent+=("$u")
done
if ((${#independent[@]})); then
  list=$(IFS=,; echo "${independent[*]}")
  id=$(sbatch --parsable "${options[@]}" "${unit_options[@]}" --job-name="$job_name" \
    --array="$list" --output="$plan_dir/slurm/unit-%a.out" \
    --wrap="exec $launcher$(printf %q "$engine") unit $(printf %q "$plan_dir") \$SLURM_ARRAY_TASK_ID")
  id=${id%%;*}
  for u in "${independent[@]}"; do
    job[$u]="${id}_$u"
    printf '%s\t%s\n' "$u" "${job[$u]}" >>"$plan_dir/slurm/jobs.tsv"
  done
fi
for u in "${!after[@]}"; do
  done_unit "$u" && continue
  [ -n "${job[$u]:-}" ] && continue
  deps=""
  for a in ${after[$u]}; do [ -n "${job[$a]:-}" ] && deps+=":${job[$a]}"; done
  id=$(sbatch --parsable "${options[@]}" "${unit_options[@]}" --job-name="$job_name" \
    ${deps:+--dependency=afterok$deps} --output="$plan_dir/slurm/unit-$u.out" \
    --wrap="exec $launcher$(printf %q "$engine") unit $(printf %q "$plan_dir") $u")
  job[$u]=${id%%;*}
  printf '%s\t%s\n' "$u" "${job[$u]}" >>"$plan_dir/slurm/jobs.tsv"
done

deps=""
for u in "${!job[@]}"; do deps+=":${job[$u]}"; done
if [ -n "$db" ]; then
  last=(import "$plan_dir" --db "$db")
else
  last=(import "$plan_dir" --check)
fi
id=$(sbatch --parsable "${options[@]}" --job-name="$job_name" ${deps:+--dependency=afterok$deps} \
  --output="$plan_dir/slurm/import.out" \
  --wrap="exec $(printf %q "$engine") $(printf '%q ' "${last[@]}")")
printf 'import\t%s\n' "${id%%;*}" >>"$plan_dir/slurm/jobs.tsv"
echo "submitted ${#job[@]} of ${#after[@]} units and the import (job ${id%%;*}) of plan $plan_id"
echo "follow it with: $(printf %q "$engine") watch $(printf %q "$plan_dir")"
)bash";

}  // namespace

std::string slurm_job_name(const std::string& plan_id) {
  return "sy-" + plan_id;
}

std::string slurm_submit_script(const std::string& plan_id, const std::string& title,
                                const std::string& plan_dir, const std::vector<SlurmUnit>& units,
                                const SlurmOptions& options) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Submits plan " << plan_id << " (" << title << ", " << units.size()
    << " units) to Slurm; written by switchyard-engine plan --slurm (docs/cluster.md).\n"
    << "# Run it again after a unit failed or was cancelled: it submits only the units whose\n"
    << "# bundle is not complete, and the import.\n"
    << "set -euo pipefail\n"
    << "plan_id=" << plan_id << "\n"
    << "job_name=" << slurm_job_name(plan_id) << "\n"
    << "plan_dir=" << quoted(plan_dir) << "\n"
    << "engine=" << quoted(options.engine) << "\n"
    << "db=" << quoted(options.db) << "\n"
    << "options=(";
  std::string sep;
  const auto option = [&](const std::string& text) {
    s << sep << quoted(text);
    sep = " ";
  };
  if (!options.partition.empty()) option("--partition=" + options.partition);
  if (!options.time.empty()) option("--time=" + options.time);
  if (options.cpus_per_unit > 0) option("--cpus-per-task=" + std::to_string(options.cpus_per_unit));
  if (options.gpus_per_unit > 0) option("--gres=gpu:" + std::to_string(options.gpus_per_unit));
  std::istringstream extra(options.extra);
  for (std::string word; extra >> word;) option(word);
  s << ")\n";
  if (options.ranks_per_unit > 1) {
    s << "# Each unit: " << options.ranks_per_unit << " data-parallel ranks started by srun.\n"
      << "unit_options=(--ntasks=" << options.ranks_per_unit << ")\n"
      << "launcher='srun '\n";
  } else {
    s << "unit_options=()\n"
      << "launcher=''\n";
  }
  s << "# The units, by id: the units each waits for.\n"
    << "after=(";
  for (const SlurmUnit& u : units) {
    s << "[" << u.id << "]=\"";
    for (size_t k = 0; k < u.after.size(); ++k) s << (k ? " " : "") << u.after[k];
    s << "\" ";
  }
  s << ")\n" << kLogic;
  return s.str();
}

}  // namespace sy
