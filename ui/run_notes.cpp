// RunNotes and its notes model; see run_notes.h.
#include "ui/run_notes.h"

#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QStringListModel>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/key_bindings.h"

namespace sy::ui {

NoteListModel::NoteListModel(QObject* parent) : QAbstractTableModel(parent) {}

void NoteListModel::setNotes(const std::vector<store::Note>& notes) {
  beginResetModel();
  notes_ = notes;
  endResetModel();
}

int NoteListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(notes_.size());
}

int NoteListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant NoteListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(notes_.size())) return {};
  const store::Note& note = notes_[size_t(index.row())];
  if (role == NoteIdRole) return QVariant::fromValue<qlonglong>(note.id);
  const QString text = QString::fromStdString(note.text);
  const QDateTime time = QDateTime::fromMSecsSinceEpoch(note.created_at_ms);
  if (role == Qt::ToolTipRole) return time.toString("yyyy-MM-dd hh:mm:ss") + "\n" + text;
  if (role == Qt::EditRole && index.column() == Time)
    return QVariant::fromValue<qlonglong>(note.created_at_ms);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  return index.column() == Time ? time.toString("yyyy-MM-dd hh:mm") : text;
}

QVariant NoteListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  return section == Time ? tr("written") : section == Text ? tr("note") : QVariant();
}

RunNotes::RunNotes(QWidget* parent)
    : QWidget(parent),
      title_(new QLabel),
      no_tags_(new QLabel(tr("No tags yet: type one below. The run list's filter finds them."))),
      tags_model_(new QStringListModel(this)),
      notes_model_(new NoteListModel(this)),
      tags_view_(new QListView),
      notes_view_(new QTableView),
      tag_edit_(new QLineEdit),
      note_edit_(new QLineEdit),
      add_tag_(new QPushButton(tr("Add"))),
      remove_tag_(new QPushButton(tr("Remove"))),
      add_note_(new QPushButton(tr("Add"))),
      delete_note_(new QPushButton(tr("Delete"))) {
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  no_tags_->setForegroundRole(QPalette::PlaceholderText);
  no_tags_->setWordWrap(true);

  // Tags as chips: a wrapping list view, so that a run with many tags costs no widget per tag.
  tags_view_->setObjectName("tags");
  tags_view_->setModel(tags_model_);
  tags_view_->setFlow(QListView::LeftToRight);
  tags_view_->setWrapping(true);
  tags_view_->setResizeMode(QListView::Adjust);
  tags_view_->setSpacing(2);
  tags_view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  tags_view_->setSelectionMode(QAbstractItemView::SingleSelection);
  tags_view_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  tags_view_->setStyleSheet(
      "QListView#tags { background: transparent; border: none; }"
      "QListView#tags::item { border: 1px solid #9fb8d0; border-radius: 8px; padding: 0px 7px;"
      " background: #e3edf7; color: #1f3b57; }"
      "QListView#tags::item:selected { background: #1f77b4; border-color: #1f77b4;"
      " color: white; }");
  // Two rows of chips; more scroll.
  tags_view_->setFixedHeight(2 * (fontMetrics().height() + 10) + 4);
  tags_view_->setToolTip(tr("Tags of the run; the run list's filter matches them."));

  notes_view_->setModel(notes_model_);
  notes_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  notes_view_->setSelectionMode(QAbstractItemView::SingleSelection);
  notes_view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  notes_view_->setWordWrap(true);
  notes_view_->verticalHeader()->hide();
  notes_view_->horizontalHeader()->setSectionResizeMode(NoteListModel::Time,
                                                        QHeaderView::ResizeToContents);
  notes_view_->horizontalHeader()->setStretchLastSection(true);
  notes_view_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

  // The keys named here and answered below are the shortcuts dialog's (key_bindings.h).
  const QString add_key = key_text(KeyBinding::AddTagOrNote);
  const QString remove_key = key_text(KeyBinding::RemoveTagOrNote);
  tag_edit_->setPlaceholderText(tr("New tag (%1 adds it)").arg(add_key));
  note_edit_->setPlaceholderText(tr("New note (%1 adds it)").arg(add_key));
  tag_edit_->setClearButtonEnabled(true);
  note_edit_->setClearButtonEnabled(true);
  remove_tag_->setToolTip(tr("Remove the selected tag (%1)").arg(remove_key));
  delete_note_->setToolTip(tr("Delete the selected note (%1)").arg(remove_key));

  connect(add_tag_, &QPushButton::clicked, this, &RunNotes::addTag);
  connect(add_note_, &QPushButton::clicked, this, &RunNotes::addNote);
  connect(remove_tag_, &QPushButton::clicked, this, &RunNotes::removeSelectedTag);
  connect(delete_note_, &QPushButton::clicked, this, &RunNotes::deleteSelectedNote);
  connect(tags_view_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunNotes::updateButtons);
  connect(notes_view_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunNotes::updateButtons);
  connect(tag_edit_, &QLineEdit::textChanged, this, &RunNotes::updateButtons);
  connect(note_edit_, &QLineEdit::textChanged, this, &RunNotes::updateButtons);
  tags_view_->installEventFilter(this);
  notes_view_->installEventFilter(this);
  tag_edit_->installEventFilter(this);
  note_edit_->installEventFilter(this);

  auto* tag_row = new QHBoxLayout;
  tag_row->addWidget(tag_edit_, 1);
  tag_row->addWidget(add_tag_);
  tag_row->addWidget(remove_tag_);
  auto* note_row = new QHBoxLayout;
  note_row->addWidget(note_edit_, 1);
  note_row->addWidget(add_note_);
  note_row->addWidget(delete_note_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->setSpacing(3);
  layout->addWidget(title_);
  layout->addWidget(tags_view_);
  layout->addWidget(no_tags_);
  layout->addLayout(tag_row);
  layout->addWidget(notes_view_, 1);
  layout->addLayout(note_row);

  setRun(0, {}, {}, {});
}

void RunNotes::setRun(int64_t run_id, const QString& title, const std::vector<std::string>& tags,
                      const std::vector<store::Note>& notes) {
  if (run_id != run_) {
    // What was typed belongs to the run it was typed for.
    tag_edit_->clear();
    note_edit_->clear();
  }
  run_ = run_id;
  title_->setText(run_id == 0 ? tr("Tags and notes: no run shown")
                              : tr("Tags and notes of %1").arg(title));
  QStringList list;
  for (const auto& tag : tags) list << QString::fromStdString(tag);
  tags_model_->setStringList(list);
  tags_view_->setVisible(!list.isEmpty());
  no_tags_->setVisible(list.isEmpty());
  notes_model_->setNotes(notes);
  notes_view_->scrollToBottom();  // the newest note
  setEnabled(run_id != 0);
  updateButtons();
}

void RunNotes::addTag() {
  const QString tag = tag_edit_->text().trimmed();
  if (run_ == 0 || tag.isEmpty()) return;
  tag_edit_->clear();
  Q_EMIT addTagRequested(run_, tag);
}

void RunNotes::addNote() {
  const QString text = note_edit_->text().trimmed();
  if (run_ == 0 || text.isEmpty()) return;
  note_edit_->clear();
  Q_EMIT addNoteRequested(run_, text);
}

void RunNotes::removeSelectedTag() {
  const QModelIndexList selected = tags_view_->selectionModel()->selectedIndexes();
  if (run_ == 0 || selected.isEmpty()) return;
  Q_EMIT removeTagRequested(run_, selected.first().data().toString());
}

void RunNotes::deleteSelectedNote() {
  const QModelIndexList selected = notes_view_->selectionModel()->selectedRows();
  if (run_ == 0 || selected.isEmpty()) return;
  Q_EMIT deleteNoteRequested(selected.first().data(NoteListModel::NoteIdRole).toLongLong());
}

void RunNotes::updateButtons() {
  add_tag_->setEnabled(!tag_edit_->text().trimmed().isEmpty());
  add_note_->setEnabled(!note_edit_->text().trimmed().isEmpty());
  remove_tag_->setEnabled(tags_view_->selectionModel()->hasSelection());
  delete_note_->setEnabled(notes_view_->selectionModel()->hasSelection());
}

bool RunNotes::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::KeyPress) {
    const auto* key = static_cast<QKeyEvent*>(event);
    if (key_matches(KeyBinding::RemoveTagOrNote, key)) {
      if (watched == tags_view_) removeSelectedTag();
      if (watched == notes_view_) deleteSelectedNote();
      if (watched == tags_view_ || watched == notes_view_) return true;
    }
    if (key_matches(KeyBinding::AddTagOrNote, key)) {
      if (watched == tag_edit_) addTag();
      if (watched == note_edit_) addNote();
      if (watched == tag_edit_ || watched == note_edit_) return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace sy::ui
