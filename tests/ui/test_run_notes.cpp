// The tags-and-notes panel, offscreen: it lists what setRun() gives (tags as chips, notes with
// their time, oldest first), asks for changes through its signals — Return in a field adds,
// the Delete key or the button removes the selected tag or note — and asks nothing without a
// run. NoteListModel runs under QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QStringListModel>
#include <QTableView>
#include <QtTest>

#include "ui/run_notes.h"

using namespace sy;
using namespace sy::ui;

namespace {

std::vector<store::Note> sample_notes() {
  const int64_t t0 = QDateTime(QDate(2026, 11, 29), QTime(9, 30)).toMSecsSinceEpoch();
  return {{11, "lr too high?", t0}, {12, "rerun with 3 seeds", t0 + 3'600'000}};
}

}  // namespace

class TestRunNotes : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void showsTagsAndNotes() {
    RunNotes panel;
    QAbstractItemModelTester tester(panel.notesModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.resize(400, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(!panel.isEnabled());  // no run yet

    panel.setRun(7, "run 7 · seq-lora · seed 0", {"baseline", "lr-sweep"}, sample_notes());
    QVERIFY(panel.isEnabled());
    QCOMPARE(panel.run(), 7);
    QCOMPARE(panel.tagsModel()->stringList(), (QStringList{"baseline", "lr-sweep"}));
    NoteListModel* notes = panel.notesModel();
    QCOMPARE(notes->rowCount(), 2);
    QCOMPARE(notes->index(0, NoteListModel::Time).data().toString(), QString("2026-11-29 09:30"));
    QCOMPARE(notes->index(0, NoteListModel::Text).data().toString(), QString("lr too high?"));
    QCOMPARE(notes->index(1, NoteListModel::Time).data().toString(), QString("2026-11-29 10:30"));
    QCOMPARE(notes->index(1, 0).data(NoteListModel::NoteIdRole).toLongLong(), 12);
    QVERIFY(notes->index(1, 0).data(Qt::ToolTipRole).toString().contains("rerun with 3 seeds"));
    // The chips are laid out side by side, not one per line.
    const QRect a = panel.tagsView()->visualRect(panel.tagsModel()->index(0));
    const QRect b = panel.tagsView()->visualRect(panel.tagsModel()->index(1));
    QCOMPARE(a.top(), b.top());
    QVERIFY(b.left() > a.right());

    panel.setRun(0, {}, {}, {});
    QVERIFY(!panel.isEnabled());
    QCOMPARE(panel.tagsModel()->rowCount(), 0);
    QCOMPARE(notes->rowCount(), 0);
  }

  void asksForChanges() {
    RunNotes panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setRun(7, "run 7", {"baseline", "lr-sweep"}, sample_notes());
    QSignalSpy add_tag(&panel, &RunNotes::addTagRequested);
    QSignalSpy remove_tag(&panel, &RunNotes::removeTagRequested);
    QSignalSpy add_note(&panel, &RunNotes::addNoteRequested);
    QSignalSpy delete_note(&panel, &RunNotes::deleteNoteRequested);

    // Return adds what was typed, trimmed, for the shown run, and clears the field.
    QVERIFY(!panel.findChildren<QPushButton*>().isEmpty());
    QTest::keyClicks(panel.tagEdit(), "  best ");
    QTest::keyClick(panel.tagEdit(), Qt::Key_Return);
    QCOMPARE(add_tag.count(), 1);
    QCOMPARE(add_tag[0][0].toLongLong(), 7);
    QCOMPARE(add_tag[0][1].toString(), QString("best"));
    QVERIFY(panel.tagEdit()->text().isEmpty());
    QTest::keyClick(panel.tagEdit(), Qt::Key_Return);  // nothing typed: nothing asked
    QCOMPARE(add_tag.count(), 1);

    QTest::keyClicks(panel.noteEdit(), "switch routes everything to reverse");
    QTest::keyClick(panel.noteEdit(), Qt::Key_Return);
    QCOMPARE(add_note.count(), 1);
    QCOMPARE(add_note[0][1].toString(), QString("switch routes everything to reverse"));

    // Remove: nothing selected, nothing asked; the selected chip by button and by Delete.
    QVERIFY(!panel.removeTagButton()->isEnabled());
    panel.removeTagButton()->click();
    QCOMPARE(remove_tag.count(), 0);
    panel.tagsView()->setCurrentIndex(panel.tagsModel()->index(1));
    QVERIFY(panel.removeTagButton()->isEnabled());
    panel.removeTagButton()->click();
    QCOMPARE(remove_tag.count(), 1);
    QCOMPARE(remove_tag[0][1].toString(), QString("lr-sweep"));
    panel.tagsView()->setCurrentIndex(panel.tagsModel()->index(0));
    QTest::keyClick(panel.tagsView(), Qt::Key_Delete);
    QCOMPARE(remove_tag.count(), 2);
    QCOMPARE(remove_tag[1][1].toString(), QString("baseline"));

    panel.notesView()->selectRow(0);
    QVERIFY(panel.deleteNoteButton()->isEnabled());
    panel.deleteNoteButton()->click();
    QCOMPARE(delete_note.count(), 1);
    QCOMPARE(delete_note[0][0].toLongLong(), 11);
    panel.notesView()->selectRow(1);
    QTest::keyClick(panel.notesView(), Qt::Key_Delete);
    QCOMPARE(delete_note.count(), 2);
    QCOMPARE(delete_note[1][0].toLongLong(), 12);

    // Text typed for one run is not added to the next.
    QTest::keyClicks(panel.tagEdit(), "half-typed");
    panel.setRun(8, "run 8", {}, {});
    QVERIFY(panel.tagEdit()->text().isEmpty());
  }
};

QTEST_MAIN(TestRunNotes)
#include "test_run_notes.moc"
