// RunNotes: the shown run's tags (as chips) and notes (with the time each was written), with
// fields to add a tag or a note and buttons (or the Delete key) to remove one. It only shows and
// asks: the window makes the store calls and hands the result back with setRun(), so the panel
// never holds a connection of its own.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>

#include "storage/records.h"

class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStringListModel;
class QTableView;

namespace sy::ui {

// A run's notes, oldest first: the time written and the text.
class NoteListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Time, Text, ColumnCount };
  static constexpr int NoteIdRole = Qt::UserRole + 1;

  explicit NoteListModel(QObject* parent = nullptr);
  void setNotes(const std::vector<store::Note>& notes);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::vector<store::Note> notes_;
};

class RunNotes : public QWidget {
  Q_OBJECT

 public:
  explicit RunNotes(QWidget* parent = nullptr);

  // The run shown: its title ("run 12 · switchcit · seed 0"), tags and notes. Run 0 clears the
  // panel and disables it.
  void setRun(int64_t run_id, const QString& title, const std::vector<std::string>& tags,
              const std::vector<store::Note>& notes);
  int64_t run() const { return run_; }

  QStringListModel* tagsModel() const { return tags_model_; }
  NoteListModel* notesModel() const { return notes_model_; }
  QListView* tagsView() const { return tags_view_; }
  QTableView* notesView() const { return notes_view_; }
  QLineEdit* tagEdit() const { return tag_edit_; }
  QLineEdit* noteEdit() const { return note_edit_; }
  QPushButton* removeTagButton() const { return remove_tag_; }
  QPushButton* deleteNoteButton() const { return delete_note_; }

 Q_SIGNALS:
  // For the shown run; the window answers with setRun() once the store has it.
  void addTagRequested(int64_t run, const QString& tag);
  void removeTagRequested(int64_t run, const QString& tag);
  void addNoteRequested(int64_t run, const QString& text);
  void deleteNoteRequested(int64_t note);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void addTag();
  void addNote();
  void removeSelectedTag();
  void deleteSelectedNote();
  void updateButtons();

  int64_t run_ = 0;
  QLabel* title_;
  QLabel* no_tags_;  // in place of the chips while the run has none
  QStringListModel* tags_model_;
  NoteListModel* notes_model_;
  QListView* tags_view_;
  QTableView* notes_view_;
  QLineEdit* tag_edit_;
  QLineEdit* note_edit_;
  QPushButton* add_tag_;
  QPushButton* remove_tag_;
  QPushButton* add_note_;
  QPushButton* delete_note_;
};

}  // namespace sy::ui
