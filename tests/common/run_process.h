// Test helper shared by the suites: a program run to its end as a real child process, with its
// exit code (-1 when it crashed or hung past the timeout) and what it printed.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace sy::test {

struct ProcessResult {
  int code = -1;
  QString out, err;
};

inline ProcessResult run_process(const QString& program, const QStringList& args,
                                 int timeout_ms = 600000) {
  QProcess p;
  p.start(program, args);
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished();
  }
  ProcessResult r;
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

}  // namespace sy::test
