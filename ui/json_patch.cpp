// patch_json: a small reader that keeps each value's byte span, a diff of the spans against the
// new JSON, and the edits applied from the end of the text so that earlier spans stay valid.
#include "ui/json_patch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <algorithm>
#include <vector>

namespace sy::ui {
namespace {

// A value of the text: its bytes [begin, end), and for containers their parts.
struct Node {
  enum class Kind { Scalar, Object, Array };
  struct Member;
  Kind kind = Kind::Scalar;
  int begin = 0, end = 0;
  std::vector<Member> members;  // Object, in the text's order
  std::vector<Node> items;      // Array
};

struct Node::Member {
  QString key;
  int key_begin = 0;
  Node value;
};

// Reads the JSON grammar only as far as spans need: strings, numbers and literals are skipped
// over, and whatever they mean is left to QJsonDocument (valueOf).
class Reader {
 public:
  explicit Reader(const QByteArray& text) : t_(text) {}

  bool document(Node* root) {
    space();
    if (!value(root, 0) || root->kind != Node::Kind::Object) return false;
    space();
    return i_ == t_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;  // experiment files are three levels deep

  void space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t'))
      ++i_;
  }

  bool string() {
    if (i_ >= t_.size() || t_[i_] != '"') return false;
    for (++i_; i_ < t_.size(); ++i_) {
      if (t_[i_] == '\\') {
        ++i_;
      } else if (t_[i_] == '"') {
        ++i_;
        return true;
      }
    }
    return false;
  }

  bool value(Node* node, int depth) {
    if (depth > kMaxDepth || i_ >= t_.size()) return false;
    node->begin = i_;
    const char c = t_[i_];
    if (c == '{') {
      node->kind = Node::Kind::Object;
      ++i_;
      space();
      if (i_ < t_.size() && t_[i_] == '}') return close(node);
      while (true) {
        Node::Member member;
        member.key_begin = i_;
        if (!string()) return false;
        member.key =
            QJsonDocument::fromJson("[" + t_.mid(member.key_begin, i_ - member.key_begin) + "]")
                .array()
                .at(0)
                .toString();
        space();
        if (i_ >= t_.size() || t_[i_] != ':') return false;
        ++i_;
        space();
        if (!value(&member.value, depth + 1)) return false;
        node->members.push_back(std::move(member));
        space();
        if (i_ < t_.size() && t_[i_] == ',') {
          ++i_;
          space();
          continue;
        }
        if (i_ < t_.size() && t_[i_] == '}') return close(node);
        return false;
      }
    }
    if (c == '[') {
      node->kind = Node::Kind::Array;
      ++i_;
      space();
      if (i_ < t_.size() && t_[i_] == ']') return close(node);
      while (true) {
        Node item;
        if (!value(&item, depth + 1)) return false;
        node->items.push_back(std::move(item));
        space();
        if (i_ < t_.size() && t_[i_] == ',') {
          ++i_;
          space();
          continue;
        }
        if (i_ < t_.size() && t_[i_] == ']') return close(node);
        return false;
      }
    }
    if (c == '"') {
      if (!string()) return false;
    } else {
      // A number or a literal: everything up to the next delimiter.
      while (i_ < t_.size() && !QByteArrayView(",}] \n\r\t").contains(t_[i_])) ++i_;
      if (i_ == node->begin) return false;
    }
    node->end = i_;
    return true;
  }

  bool close(Node* node) {
    ++i_;
    node->end = i_;
    return true;
  }

  const QByteArray& t_;
  qsizetype i_ = 0;
};

struct Edit {
  int begin, end;  // the bytes replaced; begin == end: an insertion
  QByteArray text;
};

// A value written on one line, as people write small ones: {"r": 4}, ["a", "b"].
QByteArray write(const QJsonValue& value) {
  if (value.isObject()) {
    const QJsonObject object = value.toObject();
    QByteArrayList parts;
    for (auto it = object.begin(); it != object.end(); ++it)
      parts << write(QJsonValue(it.key())) + ": " + write(it.value());
    return "{" + parts.join(", ") + "}";
  }
  if (value.isArray()) {
    QByteArrayList parts;
    for (const QJsonValue& item : value.toArray()) parts << write(item);
    return "[" + parts.join(", ") + "]";
  }
  return QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
}

QJsonValue valueOf(const QByteArray& text, const Node& node) {
  return QJsonDocument::fromJson("[" + text.mid(node.begin, node.end - node.begin) + "]")
      .array()
      .at(0);
}

// The whitespace that starts the line `at` is on, when `at` is the first thing on it.
std::optional<QByteArray> lineIndent(const QByteArray& text, int at) {
  int start = at;
  while (start > 0 && (text[start - 1] == ' ' || text[start - 1] == '\t')) --start;
  if (start > 0 && text[start - 1] != '\n') return std::nullopt;
  return text.mid(start, at - start);
}

void diff(const QByteArray& text, const Node& node, const QJsonValue& after,
          std::vector<Edit>* edits) {
  if (valueOf(text, node) == after) return;
  if (node.kind == Node::Kind::Array && after.isArray() &&
      qsizetype(node.items.size()) == after.toArray().size()) {
    const QJsonArray items = after.toArray();
    for (size_t i = 0; i < node.items.size(); ++i) diff(text, node.items[i], items.at(i), edits);
    return;
  }
  if (node.kind != Node::Kind::Object || !after.isObject()) {
    edits->push_back({node.begin, node.end, write(after)});
    return;
  }
  const QJsonObject object = after.toObject();
  const auto& m = node.members;
  std::vector<bool> kept(m.size());
  int last_kept = -1;
  for (size_t k = 0; k < m.size(); ++k) {
    kept[k] = object.contains(m[k].key);
    if (kept[k]) last_kept = int(k);
  }
  if (last_kept < 0) {
    edits->push_back({node.begin, node.end, write(after)});
    return;
  }
  for (size_t k = 0; k < m.size(); ++k) {
    if (kept[k]) {
      diff(text, m[k].value, object.value(m[k].key), edits);
    } else if (int(k) < last_kept) {
      // Up to the next key: the member and its comma.
      edits->push_back({m[k].key_begin, m[k + 1].key_begin, {}});
    } else {
      // After the last kept one: from the previous value's end, its comma included.
      edits->push_back({m[k - 1].value.end, m[k].value.end, {}});
    }
  }
  // New keys after the last kept one; on lines of their own where the object's keys are.
  const std::optional<QByteArray> indent = lineIndent(text, m[last_kept].key_begin);
  QByteArray added;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const bool known = std::any_of(
        m.begin(), m.end(), [&](const Node::Member& member) { return member.key == it.key(); });
    if (known) continue;
    added += (indent ? ",\n" + *indent : QByteArray(", ")) + write(QJsonValue(it.key())) + ": " +
             write(it.value());
  }
  if (!added.isEmpty()) edits->push_back({m[last_kept].value.end, m[last_kept].value.end, added});
}

}  // namespace

std::optional<QByteArray> patch_json(const QByteArray& text, const QJsonObject& after) {
  Node root;
  if (!Reader(text).document(&root)) return std::nullopt;
  std::vector<Edit> edits;
  diff(text, root, after, &edits);
  // From the end, so that the spans before each edit stay where they were; at one place, the
  // removal first and the insertion before what it removed.
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    return a.begin != b.begin ? a.begin > b.begin : a.end > b.end;
  });
  QByteArray out = text;
  for (const Edit& e : edits) out.replace(e.begin, e.end - e.begin, e.text);
  // A text that does not read back as `after` (keys given twice, say) is not risked.
  if (QJsonDocument::fromJson(out).object() != after) return std::nullopt;
  return out;
}

}  // namespace sy::ui
