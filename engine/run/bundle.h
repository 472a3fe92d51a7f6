// A unit's result bundle: a folder (DIR/units/ID) that holds everything the unit produced, so that
// `import` can store it later on another machine, never SQLite on a shared file system:
//   events.jsonl             the unit's event stream (docs/events.md), written as it happens
//   run<K>.adapter<P>.*      the adapter run K trained at task position P (.safetensors, .json)
//   run<K>.checkpoint.*      run K's state after its last finished stage (what resume needs)
//   expert.safetensors/json  an expert unit's adapter and its training curve
//   checksums.sha256         SHA-256 of every file above, written last: the bundle is complete
// Run K is the K-th run the unit started (0-based).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run/event_stream.h"
#include "engine/run/run_observer.h"
#include "engine/run/session.h"

namespace sy {

// The bundle's folder, emptied, and its events.jsonl open: a base of BundleWriter, so that the
// file exists before the event stream that writes to it.
class BundleFolder {
 protected:
  explicit BundleFolder(std::string dir);
  std::string dir_;
  std::ofstream events_file_;
};

// Writes a bundle as a unit runs: the event stream of its runs into events.jsonl, and their
// adapters and last checkpoints as files beside it; the expert of an expert unit.
class BundleWriter : private BundleFolder, public EventStream {
 public:
  // Empties `dir` first: a unit that runs again (after a kill) starts a fresh bundle.
  explicit BundleWriter(std::string dir);

  // An expert unit's result.
  void write_expert(const ExpertWeights& expert);
  // Writes checksums.sha256: from now on the bundle is complete.
  void seal();

  bool keeps_artifacts() const override { return true; }
  void run_started(RunProgress& run, const StrategySpec& spec, size_t first_stage) override;
  void adapter_trained(const RunProgress& run, size_t position,
                       const TrainedAdapter& adapter) override;
  void stage_finished(const RunProgress& run, size_t stage,
                      const std::vector<uint8_t>& checkpoint) override;

 private:
  size_t index_of(const RunProgress& run) const;
  void write_file(const std::string& name, const void* data, size_t size);

  std::vector<std::string> runs_;  // run ids in the order they started
};

// Whether DIR/units/ID holds a complete bundle (its checksums file exists).
bool bundle_complete(const std::string& unit_dir);
// Checks every file of a complete bundle against its checksum; an error names the file.
void verify_bundle(const std::string& unit_dir, const std::string& title);

// An expert unit's expert.
ExpertWeights read_expert(const std::string& unit_dir, bool with_steps);

// One run of a bundle: its events in order.
struct BundledRun {
  std::string key;   // the run id, "<experiment>/<label>/seed<seed>"
  size_t index = 0;  // K of run<K>.* files
  std::vector<nlohmann::json> events;
};
std::vector<BundledRun> read_bundled_runs(const std::string& unit_dir);
// Reports the run to `observer` as the runner reported it when it ran (run_started ... run_ended),
// with its adapters and last checkpoint read from the bundle; returns the run as it ended.
RunProgress replay_run(const BundledRun& run, const StrategySpec& spec, const std::string& unit_dir,
                       RunObserver& observer);

}  // namespace sy
