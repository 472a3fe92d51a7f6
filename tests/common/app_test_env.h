// Test helper for the suites that open the app's window: its settings (window layout, the last
// database) and data folder go to a scratch folder, so that no test reads what another or the
// user left; and the window starts the engine built with the tests (SY_ENGINE_BIN) unless
// SWITCHYARD_ENGINE names another.
#pragma once

#include <QDir>
#include <QFile>
#include <QSettings>
#include <QString>
#include <QtGlobal>

namespace sy::test {

inline void isolate_app(const QDir& scratch, const char* engine_program) {
  qputenv("XDG_DATA_HOME", QFile::encodeName(scratch.filePath(QStringLiteral("data"))));
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                     scratch.filePath(QStringLiteral("settings")));
  if (qEnvironmentVariableIsEmpty("SWITCHYARD_ENGINE"))
    qputenv("SWITCHYARD_ENGINE", engine_program);
}

}  // namespace sy::test
