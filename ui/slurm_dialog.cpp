// ask_slurm_submission; see slurm_dialog.h.
#include "ui/slurm_dialog.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace sy::ui {

std::optional<SlurmRequest> ask_slurm_submission(QWidget* parent, const QString& plan_dir,
                                                 bool quick) {
  QSettings stored;
  QDialog dialog(parent);
  dialog.setWindowTitle("Submit to Slurm");
  auto* form = new QFormLayout(&dialog);
  auto* folder = new QLineEdit(plan_dir);
  folder->setToolTip(
      "The plan folder: plan.json, submit.sh and every unit's bundle. The cluster's "
      "nodes must see it (a shared file system); the database stays here.");
  auto* partition = new QLineEdit(stored.value("slurm/partition").toString());
  partition->setPlaceholderText("the cluster's default");
  auto* time = new QLineEdit(stored.value("slurm/time").toString());
  time->setPlaceholderText("e.g. 30 or 2:00:00; empty: the partition's limit");
  const auto spin = [&](const char* key, int low, int fallback, const QString& zero) {
    auto* box = new QSpinBox;
    box->setRange(low, 4096);
    box->setValue(stored.value(key, fallback).toInt());
    if (!zero.isEmpty()) box->setSpecialValueText(zero);
    return box;
  };
  QSpinBox* cpus = spin("slurm/cpusPerUnit", 0, 0, "default");
  QSpinBox* gpus = spin("slurm/gpusPerUnit", 0, 0, "none");
  QSpinBox* ranks = spin("slurm/ranksPerUnit", 1, 1, "");
  ranks->setToolTip("Data-parallel processes per unit (srun tasks, c10d ranks)");
  form->addRow("Plan folder", folder);
  form->addRow("Partition", partition);
  form->addRow("Time per unit", time);
  form->addRow("CPUs per unit", cpus);
  form->addRow("GPUs per unit", gpus);
  form->addRow("Ranks per unit", ranks);
  form->addRow(new QLabel(quick ? "Quick: a few steps per stage, for a check."
                                : "Full budgets (Run ▸ Quick for a check)."));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText("Submit");
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  form->addRow(buttons);
  if (dialog.exec() != QDialog::Accepted) return std::nullopt;
  SlurmRequest request;
  SlurmSettings& settings = request.settings;
  settings.partition = partition->text().trimmed();
  settings.time = time->text().trimmed();
  settings.cpus_per_unit = cpus->value();
  settings.gpus_per_unit = gpus->value();
  settings.ranks_per_unit = ranks->value();
  stored.setValue("slurm/partition", settings.partition);
  stored.setValue("slurm/time", settings.time);
  stored.setValue("slurm/cpusPerUnit", settings.cpus_per_unit);
  stored.setValue("slurm/gpusPerUnit", settings.gpus_per_unit);
  stored.setValue("slurm/ranksPerUnit", settings.ranks_per_unit);
  request.plan_dir = folder->text().trimmed();
  return request;
}

}  // namespace sy::ui
