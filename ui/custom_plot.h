// <qcustomplot.h> for ui/: it spells Qt's keywords (signals, slots, foreach), which
// QT_NO_KEYWORDS — set for all of ui/, because the same rule keeps Qt and LibTorch apart
// elsewhere — turns off; they are lent to this one header only.
#pragma once

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef foreach
#undef slots
#undef signals
