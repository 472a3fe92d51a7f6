// Fuzz target: the engine's event lines as the GUI reads them (docs/events.md): each line parsed
// as EngineProcess parses it and applied to a run's trace as the live plots apply it. Widget-free.
#include <QByteArray>

#include "tests/fuzz/fuzz_target.h"
#include "ui/run_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sy::ui::RunTrace trace;
  const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
  for (const QByteArray& line : bytes.split('\n')) {
    if (const std::optional<QJsonObject> event = sy::ui::event_from_line(line)) {
      sy::ui::apply_event(trace, *event);
    }
  }
  return 0;
}
