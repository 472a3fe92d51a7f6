// CompareView: runs side by side (matrices, retention, summary, differing settings); see
// compare_view.h.
#include "ui/compare_view.h"

#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/custom_plot.h"
#include "ui/frame_replot.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "ui/ema.h"
#include "ui/line_plot_controls.h"
#include "ui/matrix_heatmap.h"
#include "ui/plot_style.h"
#include "ui/run_color.h"
#include "ui/run_plots.h"
#include "ui/seed_group.h"

namespace sy::ui {

namespace {

constexpr double kYPad = 4;  // % beyond 0..100, so markers at 0 and 100 % are not cut in half

QString seed_title(const RunTrace& run) {
  return CompareView::runTitle(run);
}

// A square of `color` before `text`, for titles and legend entries.
QIcon swatch(const QColor& color) {
  QPixmap pixmap(12, 12);
  pixmap.fill(color);
  return QIcon(pixmap);
}

// The property that ties the graphs of one legend entry together across plots.
const char* const kGroupProperty = "sy_compare_group";

// The run's column names; a run stored without task names still gets one per score column, so
// that its retention is drawn rather than dropped.
QStringList task_names(const RunTrace& run) {
  QStringList names = run.tasks;
  int columns = int(names.size());
  for (const QVector<double>& row : run.scores) columns = std::max(columns, int(row.size()));
  for (int j = int(names.size()); j < columns; ++j) names << CompareView::tr("task %1").arg(j + 1);
  return names;
}

// A fraction as the table shows it: % with one decimal, rounded, so that the Δ computed from
// the rounded values is exactly the difference of the numbers the user reads.
std::optional<double> shown_percent(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return std::nullopt;
  return std::round(*value * 1000.0) / 10.0;
}

QString delta_text(double delta) {
  QString text = QString::asprintf("%+.1f", delta);
  // Equal values give a signed zero now and then; "-0.0" would read as a (tiny) loss.
  if (text == QLatin1String("-0.0")) text = QStringLiteral("+0.0");
  return text;
}

// A JSON scalar as the settings table shows it: integers without ".0" (r 8, not 8.0), other
// numbers with enough digits to tell learning rates apart.
QString scalar_text(const QJsonValue& value) {
  switch (value.type()) {
    case QJsonValue::String:
      return value.toString();
    case QJsonValue::Bool:
      return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
      const double d = value.toDouble();
      if (std::trunc(d) == d && std::fabs(d) < 1e15) return QString::number(qint64(d));
      return QString::number(d, 'g', 12);
    }
    case QJsonValue::Null:
      return QStringLiteral("null");
    case QJsonValue::Array:
      return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
      return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Undefined:
      break;
  }
  return QString();
}

void flatten(const QJsonObject& object, const QString& prefix, QMap<QString, QString>& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
    const QJsonValue value = it.value();
    if (value.isObject()) {
      flatten(value.toObject(), key, out);
    } else if (value.isArray()) {
      // Lists such as lora.target_modules read best on one line; nested containers inside
      // them are rare and shown as compact JSON.
      QStringList items;
      for (const QJsonValue& item : value.toArray()) items << scalar_text(item);
      out.insert(key, items.join(QStringLiteral(", ")));
    } else {
      out.insert(key, scalar_text(value));
    }
  }
}

QString csv_field(QString text) {
  if (text == CompareView::undefinedText()) return QString();
  const bool quote = text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
                     text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r')) ||
                     text != text.trimmed();
  if (!quote) return text;
  text.replace(QLatin1Char('"'), QStringLiteral("\"\""));
  return QLatin1Char('"') + text + QLatin1Char('"');
}

bool write_csv(const QAbstractItemModel* model, const QString& path) {
  QString text;
  QStringList fields;
  for (int c = 0; c < model->columnCount(); ++c)
    fields << csv_field(model->headerData(c, Qt::Horizontal).toString());
  text += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
  for (int r = 0; r < model->rowCount(); ++r) {
    fields.clear();
    for (int c = 0; c < model->columnCount(); ++c)
      fields << csv_field(model->index(r, c).data().toString());
    text += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
  }
  // QSaveFile: a failed write leaves an earlier export whole instead of half overwritten.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return false;
  file.write(text.toUtf8());
  return file.commit();
}

QStandardItem* text_item(const QString& text, bool numeric = false) {
  auto* item = new QStandardItem(text);
  item->setEditable(false);
  if (numeric) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

QTableView* make_table(QStandardItemModel* model, QWidget* parent) {
  auto* view = new QTableView(parent);
  view->setModel(model);
  view->verticalHeader()->setVisible(false);
  view->setAlternatingRowColors(true);
  view->setSelectionBehavior(QAbstractItemView::SelectRows);
  view->setContextMenuPolicy(Qt::CustomContextMenu);
  return view;
}

}  // namespace

QString CompareView::undefinedText() {
  return QStringLiteral("–");
}

QString CompareView::runTitle(const RunTrace& run) {
  // A quick check says so: its numbers are not a result (issue 21, 4).
  const QString title =
      tr("%1 · seed %2%3").arg(run.label).arg(run.seed).arg(run.quick ? tr(" · quick") : QString());
  // The id tells apart runs of the same label and seed (another experiment, a rerun).
  return run.id > 0 ? tr("#%1 %2").arg(run.id).arg(title) : title;
}

CompareView::CompareView(QWidget* parent)
    : QWidget(parent),
      pages_(new QStackedWidget),
      empty_(new QLabel),
      warning_(new QLabel),
      legend_(new QWidget),
      legend_grid_(new QGridLayout(legend_)),
      tabs_(new QTabWidget),
      loss_controls_(new LinePlotControls),
      loss_plot_(new QCustomPlot),
      heatmap_host_(new QWidget),
      heatmap_grid_(new QGridLayout(heatmap_host_)),
      retention_grid_host_(new QWidget),
      retention_grid_(new QGridLayout(retention_grid_host_)),
      summary_model_(new QStandardItemModel(this)),
      settings_model_(new QStandardItemModel(this)) {
  // What is compared: the warning (different task lists), the legend shared by every plot, the
  // tabs; or, with nothing to compare, a sentence saying how to get there.
  warning_->setWordWrap(true);
  warning_->setTextFormat(Qt::PlainText);
  warning_->setObjectName(QStringLiteral("compareWarning"));
  warning_->setStyleSheet(QStringLiteral(
      "QLabel#compareWarning { border: 1px solid #d08c00; border-radius: 3px; padding: 4px; }"));
  warning_->setVisible(false);
  legend_grid_->setContentsMargins(4, 0, 4, 0);
  legend_grid_->setHorizontalSpacing(12);
  legend_grid_->setVerticalSpacing(0);
  auto* shown = new QWidget;
  auto* shown_layout = new QVBoxLayout(shown);
  shown_layout->setContentsMargins(0, 0, 0, 0);
  shown_layout->setSpacing(2);
  shown_layout->addWidget(warning_);
  shown_layout->addWidget(legend_);
  shown_layout->addWidget(tabs_, 1);
  empty_->setText(
      tr("Nothing to compare yet.\n\nSelect two or more runs in the run list (Ctrl+click or "
         "Shift+click) and press Compare (Ctrl+Shift+C): their scores, losses and settings "
         "appear here side by side."));
  style_empty_sentence(empty_);
  pages_->addWidget(shown);
  pages_->addWidget(empty_);
  pages_->setCurrentWidget(empty_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);

  // Two matrices a row, scrolling: side by side stays readable however many runs there are.
  auto* heatmap_scroll = new QScrollArea;
  heatmap_scroll->setWidgetResizable(true);
  heatmap_scroll->setWidget(heatmap_host_);
  tabs_->addTab(heatmap_scroll, tr("Score matrices"));

  // The runs' training losses overlaid, as W&B draws a metric of the runs of a project.
  auto* loss_page = new QWidget;
  auto* loss_layout = new QVBoxLayout(loss_page);
  loss_layout->setContentsMargins(0, 0, 0, 0);
  loss_layout->addWidget(loss_controls_);
  loss_layout->addWidget(loss_plot_, 1);
  loss_plot_->xAxis->setLabel(tr("step"));
  loss_plot_->yAxis->setLabel(tr("loss"));
  loss_plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  loss_plot_->setPlottingHint(QCP::phFastPolylines, true);
  connect(loss_plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
    loss_plot_->rescaleAxes(true);
    request_replot(loss_plot_);
  });
  loss_controls_->setSmoothing(0.6);  // TensorBoard's default, as the run's own loss plot
  connect(loss_controls_, &LinePlotControls::smoothingChanged, this, [this] { smoothLoss(); });
  connect(loss_controls_, &LinePlotControls::xAxisChanged, this, [this] { buildLoss(); });
  connect(loss_controls_, &LinePlotControls::logYChanged, this, [this](bool log) {
    loss_plot_->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    loss_plot_->yAxis->setTicker(log ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                     : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    loss_plot_->rescaleAxes(true);
    request_replot(loss_plot_);
  });
  tabs_->addTab(loss_page, tr("Loss"));

  // Many tasks make many small plots: they scroll rather than shrink below readability.
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setWidget(retention_grid_host_);
  tabs_->addTab(scroll, tr("Retention"));

  // The numbers and the settings that explain them, one above the other.
  auto* tables = new QSplitter(Qt::Vertical);
  summary_view_ = make_table(summary_model_, tables);
  settings_view_ = make_table(settings_model_, tables);
  tables->addWidget(summary_view_);
  tables->addWidget(settings_view_);
  tabs_->addTab(tables, tr("Summary && settings"));

  connect(summary_view_, &QWidget::customContextMenuRequested, this,
          [this](const QPoint& pos) { showTableMenu(summary_view_, true, pos); });
  connect(settings_view_, &QWidget::customContextMenuRequested, this,
          [this](const QPoint& pos) { showTableMenu(settings_view_, false, pos); });
  applyPalette();
}

void CompareView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) applyPalette();
  QWidget::changeEvent(event);
}

QVector<QCustomPlot*> CompareView::allPlots() const {
  QVector<QCustomPlot*> plots = retention_plots_;
  plots.prepend(loss_plot_);
  return plots;
}

void CompareView::applyPalette() {
  const PlotPalette colors = plot_palette(palette());
  for (QCustomPlot* plot : allPlots()) {
    apply_plot_palette(plot, colors);
    request_replot(plot);
  }
}

QStringList CompareView::legendEntries() const {
  QStringList names;
  for (const Group& group : groups_) names << group.name;
  return names;
}

QColor CompareView::legendColor(int entry) const {
  if (entry < 0 || entry >= groups_.size()) return QColor();
  return run_color(runs_[groups_[entry].runs.first()].id);
}

bool CompareView::isEntryShown(int entry) const {
  return group_shown_.value(entry, false);
}

void CompareView::setEntryShown(int entry, bool shown) {
  if (entry < 0 || entry >= groups_.size()) return;
  group_shown_[entry] = shown;
  if (auto* button = qobject_cast<QToolButton*>(legend_grid_->itemAt(entry)->widget())) {
    const QSignalBlocker block(button);
    button->setChecked(shown);
  }
  for (QCustomPlot* plot : allPlots()) {
    for (int i = 0; i < plot->plottableCount(); ++i) {
      QCPAbstractPlottable* p = plot->plottable(i);
      if (p->property(kGroupProperty).toInt() == entry + 1) p->setVisible(shown);
    }
    request_replot(plot);
  }
}

QString CompareView::warningText() const {
  return warning_->isHidden() ? QString() : warning_->text();
}

QString CompareView::emptyText() const {
  return pages_->currentWidget() == empty_ ? empty_->text() : QString();
}

void CompareView::buildLegend() {
  while (QLayoutItem* item = legend_grid_->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  group_shown_ = QVector<bool>(groups_.size(), true);
  // One entry per line drawn, above every tab: in each small plot a legend of its own was cut
  // ("switchcit (3 seed") and repeated the same names.
  constexpr int kColumns = 4;
  for (int g = 0; g < groups_.size(); ++g) {
    auto* button = new QToolButton;
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setAutoRaise(true);
    button->setCheckable(true);
    button->setChecked(true);
    button->setIcon(swatch(legendColor(g)));
    button->setText(groups_[g].name);
    QStringList keys;
    for (int r : groups_[g].runs)
      keys << runTitle(runs_[r]) + QStringLiteral(" (") + runs_[r].key + QLatin1Char(')');
    button->setToolTip(keys.join(QLatin1Char('\n')) + QStringLiteral("\n\n") +
                       tr("Click to hide or show these lines in every plot."));
    connect(button, &QToolButton::toggled, this, [this, g](bool on) { setEntryShown(g, on); });
    legend_grid_->addWidget(button, g / kColumns, g % kColumns, Qt::AlignLeft);
  }
  legend_grid_->setColumnStretch(kColumns, 1);
  legend_->setVisible(!groups_.isEmpty());
}

void CompareView::buildWarning() {
  // AP, forgetting, BWT and FWT are means over a run's tasks: over different task lists they
  // are different quantities, and their Δ says little.
  QStringList lists;
  for (const RunTrace& run : runs_) {
    const QString list = run.tasks.join(QStringLiteral(" \u2192 "));
    if (!lists.contains(list)) lists << list;
  }
  if (lists.size() < 2) {
    warning_->clear();
    warning_->setVisible(false);
    return;
  }
  QStringList lines;
  for (const RunTrace& run : runs_)
    if (run.tasks != runs_[0].tasks)
      lines << tr("%1: %2").arg(runTitle(run), run.tasks.join(QStringLiteral(" \u2192 ")));
  warning_->setText(
      tr("\u26a0 These runs learned different task lists, so their AP, forgetting, BWT and FWT "
         "average over different tasks and the \u0394 columns compare unlike quantities. "
         "%1 learned %2; %3.")
          .arg(runTitle(runs_[0]), runs_[0].tasks.join(QStringLiteral(" \u2192 ")),
               lines.join(QStringLiteral("; "))));
  warning_->setVisible(true);
}

void CompareView::buildLoss() {
  loss_plot_->clearGraphs();
  loss_plot_->legend->setVisible(false);  // the shared legend names the lines
  // Wall time only when every run's every step has its time (runs stored before schema 6 do
  // not, and their times are not guessed): then each run from its own first step.
  bool times = !runs_.isEmpty();
  for (const RunTrace& run : runs_)
    for (const TracePoint& p : run.points) times = times && p.at_ms > 0;
  {
    const QSignalBlocker block(loss_controls_);
    loss_controls_->setWallTimeAvailable(
        times, tr("A compared run's steps have no times: it was recorded before they were kept."));
  }
  const bool wall_time = loss_controls_->xAxis() == XAxis::WallTime;
  loss_plot_->xAxis->setLabel(wall_time ? tr("wall time (h:mm:ss since each run's first step)")
                                        : tr("step"));
  set_step_or_time_ticker(loss_plot_->xAxis, wall_time);
  for (int g = 0; g < groups_.size(); ++g) {
    for (int r : groups_[g].runs) {
      const RunTrace& run = runs_[r];
      // The same global step axis as the run's own loss plot: stage k's steps follow the
      // stages before it. Or the seconds since the run's first step, never backwards.
      QVector<double> x, y;
      x.reserve(run.points.size());
      y.reserve(run.points.size());
      int stage = -1;
      double offset = 0, stage_max = 0;
      for (const TracePoint& p : run.points) {
        if (p.stage != stage) {
          if (stage != -1) offset += stage_max;
          stage = p.stage;
          stage_max = 0;
        }
        stage_max = std::max(stage_max, double(p.step));
        if (wall_time) {
          const double t = double(p.at_ms - run.points.front().at_ms) / 1000.0;
          x << (x.isEmpty() ? t : std::max(x.last(), t));
        } else {
          x << offset + double(p.step);
        }
        y << p.loss;
      }
      QCPGraph* raw = loss_plot_->addGraph();
      raw->setName(runTitle(run));
      raw->setAdaptiveSampling(true);
      raw->setData(x, y, true);
      raw->setProperty(kGroupProperty, g + 1);
      raw->setProperty("sy_run", r);
      QCPGraph* smoothed = loss_plot_->addGraph();
      smoothed->setName(runTitle(run));
      smoothed->setAdaptiveSampling(true);
      smoothed->setProperty(kGroupProperty, g + 1);
      smoothed->setProperty("sy_run", r);
      smoothed->setProperty("sy_smoothed", true);
    }
  }
  smoothLoss();
  loss_plot_->rescaleAxes(true);
  if (loss_plot_->graphCount() == 0) {
    loss_plot_->xAxis->setRange(0, 1);
    loss_plot_->yAxis->setRange(0, 1);
  }
  request_replot(loss_plot_);
}

void CompareView::smoothLoss() {
  const double weight = loss_controls_->smoothing();
  const QColor background = plot_palette(palette()).background;
  for (int i = 0; i + 1 < loss_plot_->graphCount(); i += 2) {
    QCPGraph* raw = loss_plot_->graph(i);
    QCPGraph* smoothed = loss_plot_->graph(i + 1);
    const RunTrace& run = runs_[raw->property("sy_run").toInt()];
    const QColor color = run_color(run.id);
    raw->setPen(QPen(weight > 0 ? blend(color, background, 0.3) : color, 1));
    smoothed->setPen(QPen(color, 1.5));
    smoothed->data()->clear();
    if (weight <= 0) continue;
    // Each stage starts its own average, as in the run's own loss plot.
    DebiasedEma ema(weight);
    QVector<double> x, y;
    int stage = -1;
    auto it = raw->data()->constBegin();
    for (const TracePoint& p : run.points) {
      if (it == raw->data()->constEnd()) break;
      if (p.stage != stage) {
        stage = p.stage;
        ema.restart();
      }
      x << it->key;
      y << ema.next(p.loss);
      ++it;
    }
    smoothed->setData(x, y, true);
  }
  request_replot(loss_plot_);
}

QAbstractItemModel* CompareView::summaryModel() const {
  return summary_model_;
}
QAbstractItemModel* CompareView::settingsModel() const {
  return settings_model_;
}

void CompareView::setRuns(const QVector<RunTrace>& runs, const QVector<QString>& configJsons) {
  runs_ = runs;
  configs_ = configJsons;
  configs_.resize(runs_.size());  // missing entries: not known
  groups_ = seedGroups();
  pages_->setCurrentWidget(runs_.isEmpty() ? static_cast<QWidget*>(empty_) : pages_->widget(0));
  buildWarning();
  buildLegend();
  buildHeatmaps();
  buildLoss();
  buildRetention();
  buildSummary();
  buildSettings(configJsons);
  applyPalette();
}

void CompareView::buildHeatmaps() {
  // Rebuilt whole: a comparison is set once per selection, not streamed.
  qDeleteAll(heatmap_panels_);
  heatmap_panels_.clear();
  heatmaps_.clear();
  heatmap_titles_.clear();

  for (const RunTrace& run : runs_) {
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(2, 2, 2, 2);
    const QString title = seed_title(run);
    // The title in the run's colour, as its lines in the other tabs.
    auto* label = new QLabel(QStringLiteral("<span style=\"color:%1\">\u25a0</span> %2")
                                 .arg(run_color(run.id).name(), title.toHtmlEscaped()));
    label->setAlignment(Qt::AlignCenter);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    label->setToolTip(run.key);
    layout->addWidget(label);

    auto* heatmap = new MatrixHeatmap;
    // One fixed range for every run: with automatic ranges the same colour would mean a
    // different score in each matrix, which defeats comparing them by eye.
    heatmap->setColorRange(0, 100);
    heatmap->setColorScaleLabel(tr("score (%)"));
    heatmap->setAxisLabels(tr("after stage"), tr("task"));
    QVector<QVector<double>> percent;
    QStringList rows;
    RunPlots::scoreMatrixPercent(run, &percent, &rows);
    heatmap->setMatrix(percent, rows, task_names(run), QStringLiteral("%.1f"));
    layout->addWidget(heatmap, 1);

    // Two side by side fit the compare tab of a 1280-pixel window.
    panel->setMinimumSize(360, 320);
    const int index = static_cast<int>(heatmap_panels_.size());
    heatmap_grid_->addWidget(panel, index / 2, index % 2);
    heatmap_panels_.append(panel);
    heatmaps_.append(heatmap);
    heatmap_titles_.append(title);
  }
}

QVector<CompareView::Group> CompareView::seedGroups() const {
  // Replicates of one setting (seed_group.h, the run list's notion too) read better as one mean
  // line with its spread than as n nearly identical lines.
  QVector<Group> groups;
  QStringList keys;
  for (int i = 0; i < runs_.size(); ++i) {
    const QString key = seed_group_key(runs_[i], configs_.value(i));
    const int at = int(keys.indexOf(key));
    if (at >= 0) {
      groups[at].runs.append(i);
    } else {
      keys << key;
      groups.append({QString(), {i}, {}});
    }
  }
  // A seed run again is one sample, not two: only its newest run enters the mean and band.
  for (Group& group : groups) {
    QVector<uint64_t> seeds;
    QVector<int64_t> ids;
    for (int i : group.runs) {
      seeds << runs_[i].seed;
      ids << runs_[i].id;
    }
    for (int k : one_run_per_seed(seeds, ids)) group.samples << group.runs[k];
  }
  QStringList labels;
  for (const Group& group : groups) labels << runs_[group.runs.first()].label;
  for (Group& group : groups) {
    const RunTrace& first = runs_[group.runs.first()];
    if (group.runs.size() > 1)
      group.name = tr("%1 (%2 seeds)").arg(first.label).arg(group.samples.size());
    else  // the seed and id tell apart single runs that share a label (another experiment)
      group.name = labels.count(first.label) > 1 ? seed_title(first) : first.label;
  }
  return groups;
}

void CompareView::buildRetention() {
  qDeleteAll(retention_plots_);
  retention_plots_.clear();
  retention_tasks_.clear();

  // Tasks in the order they first appear: runs of different sequences still meet per task.
  QVector<QStringList> names;
  int rows = 0;
  for (const RunTrace& run : runs_) {
    names.append(task_names(run));
    for (const QString& task : names.last())
      if (!retention_tasks_.contains(task)) retention_tasks_ << task;
    rows = std::max(rows, int(run.scores.size()));
  }
  const QVector<Group>& groups = groups_;
  const int columns = std::clamp(int(std::ceil(std::sqrt(double(retention_tasks_.size())))), 1, 3);

  QVector<double> x(rows);
  for (int i = 0; i < rows; ++i) x[i] = i;
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  ticker->addTick(0, tr("base"));
  for (int k = 1; k < rows; ++k) ticker->addTick(k, QString::number(k));

  for (int t = 0; t < retention_tasks_.size(); ++t) {
    const QString& task = retention_tasks_[t];
    auto* plot = new QCustomPlot;
    plot->setMinimumSize(260, 220);
    plot->plotLayout()->insertRow(0);
    QFont title_font = font();
    title_font.setBold(true);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, task, title_font));
    plot->xAxis->setLabel(tr("after stage"));
    plot->yAxis->setLabel(tr("score (%)"));
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setRange(-0.25, std::max(rows - 1, 1) + 0.25);
    plot->yAxis->setRange(-kYPad, 100 + kYPad);

    // The lines are named once, in the legend above the tabs: a legend in each plot this
    // small was cut and said the same every time.
    plot->legend->setVisible(false);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);

    for (int g = 0; g < groups.size(); ++g) {
      const Group& group = groups[g];
      QVector<double> mean(rows, qQNaN()), low(rows, qQNaN()), high(rows, qQNaN());
      for (int i = 0; i < rows; ++i) {
        double sum = 0, lo = qInf(), hi = -qInf();
        int n = 0;
        // A seed whose cell is not evaluated is left out of that point's mean, not counted
        // as 0; a point no seed has stays NaN, which QCustomPlot draws as a gap.
        for (int r : group.samples) {
          const int c = int(names[r].indexOf(task));
          if (c < 0 || i >= runs_[r].scores.size() || c >= runs_[r].scores[i].size()) continue;
          const double v = runs_[r].scores[i][c];
          if (!std::isfinite(v)) continue;
          sum += 100 * v;
          lo = std::min(lo, 100 * v);
          hi = std::max(hi, 100 * v);
          ++n;
        }
        if (n == 0) continue;
        mean[i] = sum / n;
        low[i] = lo;
        high[i] = hi;
      }
      const QColor color = legendColor(g);
      if (group.samples.size() > 1) {  // a spread needs two seeds
        QCPGraph* lower = plot->addGraph();
        lower->setProperty(kGroupProperty, g + 1);
        lower->setPen(Qt::NoPen);
        lower->setData(x, low, true);
        lower->removeFromLegend();
        QCPGraph* upper = plot->addGraph();
        upper->setProperty(kGroupProperty, g + 1);
        upper->setPen(Qt::NoPen);
        QColor fill = color;
        fill.setAlpha(60);
        upper->setBrush(fill);
        upper->setChannelFillGraph(lower);
        upper->setData(x, high, true);
        upper->removeFromLegend();
      }
      QCPGraph* line = plot->addGraph();
      line->setProperty(kGroupProperty, g + 1);
      line->setName(group.name);
      line->setPen(QPen(color, 2));
      // Markers, so that a score between two unevaluated cells (no line) still shows.
      line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 5));
      line->setData(x, mean, true);
    }
    request_replot(plot);
    retention_grid_->addWidget(plot, t / columns, t % columns);
    retention_plots_.append(plot);
  }
}

void CompareView::buildSummary() {
  struct Metric {
    QString name;
    std::optional<double> RunSummary::*field;
  };
  const QVector<Metric> metrics = {{tr("AP (%)"), &RunSummary::ap},
                                   {tr("Forgetting (%)"), &RunSummary::forgetting},
                                   {tr("BWT (%)"), &RunSummary::bwt},
                                   {tr("FWT (%)"), &RunSummary::fwt},
                                   {tr("Router accuracy (%)"), &RunSummary::router_accuracy}};
  summary_model_->clear();
  // The id first: it is what tells two runs of one label and seed apart, here and in the CSV.
  QStringList header{tr("Id"), tr("Run"), tr("Seed")};
  for (const Metric& metric : metrics) header << metric.name << tr("Δ %1").arg(metric.name);
  summary_model_->setHorizontalHeaderLabels(header);

  for (int r = 0; r < runs_.size(); ++r) {
    const RunTrace& run = runs_[r];
    QList<QStandardItem*> row;
    QStandardItem* name = text_item(run.label);
    name->setToolTip(run.key);
    name->setIcon(swatch(run_color(run.id)));
    const bool other_tasks = run.tasks != runs_[0].tasks;
    row << text_item(run.id > 0 ? QString::number(run.id) : QString(), true) << name
        << text_item(QString::number(run.seed), true);
    for (const Metric& metric : metrics) {
      const std::optional<double> value = shown_percent(run.summary.*(metric.field));
      QStandardItem* cell =
          text_item(value ? QString::number(*value, 'f', 1) : undefinedText(), true);
      if (value) cell->setData(*value, Qt::UserRole);
      row << cell;
      // The first run is the reference: its own Δ would always be 0 and is left blank.
      QStandardItem* delta = text_item(QString(), true);
      if (r > 0) {
        const std::optional<double> reference = shown_percent(runs_[0].summary.*(metric.field));
        if (value && reference) {
          delta->setText(delta_text(*value - *reference));
          delta->setData(*value - *reference, Qt::UserRole);
        } else {
          delta->setText(undefinedText());
        }
        delta->setToolTip(other_tasks
                              ? tr("relative to %1, which learned other tasks: not a like-for-like "
                                   "difference")
                                    .arg(seed_title(runs_[0]))
                              : tr("relative to %1").arg(seed_title(runs_[0])));
        if (other_tasks) {
          QFont italic = delta->font();
          italic.setItalic(true);
          delta->setFont(italic);
        }
      }
      row << delta;
    }
    summary_model_->appendRow(row);
  }
  // With one run there is nothing to be relative to.
  for (int c = 4; c < summary_model_->columnCount(); c += 2)
    summary_view_->setColumnHidden(c, runs_.size() < 2);
  summary_view_->resizeColumnsToContents();
}

QMap<QString, QString> CompareView::flattenConfig(const QString& json, bool* ok) {
  QMap<QString, QString> out;
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &error);
  const bool parsed =
      !json.trimmed().isEmpty() && error.error == QJsonParseError::NoError && doc.isObject();
  if (parsed) flatten(doc.object(), QString(), out);
  if (ok) *ok = parsed;
  return out;
}

void CompareView::buildSettings(const QVector<QString>& configJsons) {
  QVector<QMap<QString, QString>> configs;
  QVector<bool> known;
  QStringList keys;
  for (int r = 0; r < runs_.size(); ++r) {
    bool ok = false;
    configs.append(flattenConfig(configJsons.value(r), &ok));
    known.append(ok);
    for (auto it = configs.last().cbegin(); it != configs.last().cend(); ++it)
      if (!keys.contains(it.key())) keys << it.key();
  }
  keys.sort();

  settings_model_->clear();
  QStringList header{tr("Setting")};
  for (const RunTrace& run : runs_) header << seed_title(run);
  settings_model_->setHorizontalHeaderLabels(header);

  for (const QString& key : keys) {
    // Only runs whose config is known take part: an unknown config says nothing about a key.
    // A key missing from a known config differs from any value (an older config format).
    QStringList values;
    for (int r = 0; r < runs_.size(); ++r)
      if (known[r]) values << configs[r].value(key, undefinedText());
    values.removeDuplicates();
    if (values.size() < 2) continue;

    QList<QStandardItem*> row{text_item(key)};
    for (int r = 0; r < runs_.size(); ++r) {
      QStandardItem* cell =
          text_item(known[r] ? configs[r].value(key, undefinedText()) : QString());
      if (!known[r]) cell->setToolTip(tr("no stored config for this run"));
      row << cell;
    }
    settings_model_->appendRow(row);
  }
  // The task lists are not among the stored settings, yet they change every metric: shown
  // first whenever they differ.
  QStringList lists;
  for (const RunTrace& run : runs_) lists << run.tasks.join(QStringLiteral(" \u2192 "));
  QStringList distinct = lists;
  distinct.removeDuplicates();
  if (distinct.size() > 1) {
    QList<QStandardItem*> row{text_item(tr("tasks"))};
    for (const QString& list : lists) row << text_item(list);
    settings_model_->insertRow(0, row);
  }
  settings_view_->resizeColumnsToContents();
}

bool CompareView::exportSummaryCsv(const QString& path) const {
  return write_csv(summary_model_, path);
}

bool CompareView::exportSettingsCsv(const QString& path) const {
  return write_csv(settings_model_, path);
}

void CompareView::showTableMenu(QTableView* view, bool summary, const QPoint& pos) {
  QMenu menu(this);
  QAction* csv = menu.addAction(tr("Export CSV…"));
  if (menu.exec(view->viewport()->mapToGlobal(pos)) != csv) return;
  QString path =
      QFileDialog::getSaveFileName(this, summary ? tr("Export summary") : tr("Export settings"),
                                   QString(), tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  if (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) path += QStringLiteral(".csv");
  if (!(summary ? exportSummaryCsv(path) : exportSettingsCsv(path)))
    QMessageBox::warning(this, tr("Export failed"),
                         tr("Could not write %1: check that its folder exists and is writable.")
                             .arg(QDir::toNativeSeparators(path)));
}

}  // namespace sy::ui
