// The Submit to Slurm dialog: where the plan goes and what each unit asks of the cluster
// (partition, time, CPUs, GPUs, ranks). The cluster settings are remembered between sessions
// (QSettings "slurm/…"); the plan folder is proposed by the caller.
#pragma once

#include <QString>

#include <optional>

#include "ui/slurm_submission.h"

class QWidget;

namespace sy::ui {

struct SlurmRequest {
  SlurmSettings settings;
  QString plan_dir;
};

// Modal; nullopt when the user cancels. `quick` only changes what the dialog says.
std::optional<SlurmRequest> ask_slurm_submission(QWidget* parent, const QString& plan_dir,
                                                 bool quick);

}  // namespace sy::ui
