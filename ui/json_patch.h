// patch_json: a JSON document's text rewritten to hold new values while the bytes of everything
// that did not change stay as they were — the keys' order, the spacing, comments-free hand
// formatting and the numbers' spelling ("2E-3" stays "2E-3"). QJsonDocument cannot do this: it
// sorts keys and spells numbers its own way. The experiment form saves over a user's file with it.
#pragma once

#include <QByteArray>
#include <QJsonObject>

#include <optional>

namespace sy::ui {

// `text` (a JSON object) edited so that it reads back as `after`: a changed value's text is
// replaced, a removed key is cut out with its comma, a new key is added after the object's last
// one (on a line of its own where the object has one key per line). nullopt when `text` is not a
// JSON object this can read; the caller then writes `after` anew.
std::optional<QByteArray> patch_json(const QByteArray& text, const QJsonObject& after);

}  // namespace sy::ui
