// The seed-group key; see seed_group.h.
#include "ui/seed_group.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

namespace sy::ui {

namespace {

// Separators that cannot occur in names typed into an experiment file (ASCII unit and record
// separators), so that no two different settings join into the same key.
const QChar kUnit(0x1f);
const QChar kRecord(0x1e);

QString settings_of(const QString& config_json) {
  if (config_json.trimmed().isEmpty()) return {};
  const QJsonDocument doc = QJsonDocument::fromJson(config_json.toUtf8());
  if (!doc.isObject()) return config_json;  // compared as written
  QJsonObject settings = doc.object();
  settings.remove(QStringLiteral("experiment_file"));
  settings.remove(QStringLiteral("seed"));  // not stored today; never part of a setting
  // QJsonObject keeps its keys sorted: equal settings serialise equally.
  return QString::fromUtf8(QJsonDocument(settings).toJson(QJsonDocument::Compact));
}

}  // namespace

QString seed_group_key(const QString& experiment, const QString& strategy, const QString& label,
                       const QStringList& tasks, const QString& config_json) {
  return QStringList{experiment, strategy, label.isEmpty() ? strategy : label, tasks.join(kUnit),
                     settings_of(config_json)}
      .join(kRecord);
}

QString seed_group_key(const RunTrace& run, const QString& config_json) {
  return seed_group_key(run.experiment, run.strategy, run.label, run.tasks, config_json);
}

QVector<int> one_run_per_seed(const QVector<uint64_t>& seeds, const QVector<int64_t>& ids) {
  QHash<uint64_t, int> newest;  // seed -> index of its newest run
  for (int i = 0; i < seeds.size(); ++i) {
    auto it = newest.find(seeds[i]);
    if (it == newest.end())
      newest.insert(seeds[i], i);
    else if (ids.value(i) > ids.value(*it))
      *it = i;
  }
  QVector<int> counted;
  for (int i = 0; i < seeds.size(); ++i)
    if (newest.value(seeds[i]) == i) counted << i;
  return counted;
}

}  // namespace sy::ui
