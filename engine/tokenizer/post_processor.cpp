// The post-processors, for a single sequence (pairs are not used by the engine).
#include "engine/tokenizer/post_processor.h"

#include <map>
#include <vector>

#include "engine/tokenizer/json_node.h"

namespace sy {

namespace {

// Offsets are all ByteLevel's processor changes; the ids stay as they are.
class IdentityProcessor : public PostProcessor {
 public:
  TokenIds process(TokenIds ids) const override { return ids; }
};

// The "single" template: a list of the sequence itself ("A") and special tokens, each of
// which may stand for several ids.
class TemplateProcessor : public PostProcessor {
 public:
  explicit TemplateProcessor(std::vector<TokenIds> parts) : parts_(std::move(parts)) {}
  TokenIds process(TokenIds ids) const override {
    TokenIds out;
    for (const TokenIds& part : parts_) {
      if (part.empty()) {  // the sequence's place
        out.insert(out.end(), ids.begin(), ids.end());
      } else {
        out.insert(out.end(), part.begin(), part.end());
      }
    }
    return out;
  }

 private:
  std::vector<TokenIds> parts_;  // an empty entry marks the sequence
};

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<const PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  TokenIds process(TokenIds ids) const override {
    for (const auto& step : steps_) ids = step->process(std::move(ids));
    return ids;
  }

 private:
  std::vector<std::unique_ptr<const PostProcessor>> steps_;
};

std::unique_ptr<const PostProcessor> make_template(const JsonNode& node) {
  // special_tokens: {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}
  std::map<std::string, TokenIds> specials;
  if (node.has("special_tokens")) {
    const JsonNode table = node.at("special_tokens", "an object");
    if (!table.value().is_object()) table.fail("an object of name: {\"ids\": [...]}");
    for (const auto& [name, value] : table.value().items()) {
      const JsonNode entry(value, node.file(), table.child_path(name));
      TokenIds ids;
      for (const JsonNode& id : entry.list("ids", "a list of ids")) {
        ids.push_back(id.token_id());
      }
      if (ids.empty()) entry.at("ids", "").fail("a non-empty list of ids");
      specials[name] = ids;
    }
  }
  const std::string piece_expectation =
      "{\"Sequence\": {\"id\": \"A\"}} or {\"SpecialToken\": {\"id\": NAME}}";
  std::vector<TokenIds> parts;
  for (const JsonNode& piece : node.list("single", "a template list")) {
    if (piece.has("Sequence")) {
      const JsonNode id = piece.at("Sequence", "").at("id", "\"A\"");
      if (id.text() != "A") id.fail("\"A\" (a single sequence has no \"B\")");
      parts.emplace_back();
    } else if (piece.has("SpecialToken")) {
      const JsonNode id = piece.at("SpecialToken", "").at("id", "a name of special_tokens");
      const auto it = specials.find(id.text());
      if (it == specials.end()) id.fail("a name listed in special_tokens");
      parts.push_back(it->second);
    } else {
      piece.fail(piece_expectation);
    }
  }
  return std::make_unique<TemplateProcessor>(std::move(parts));
}

// BertProcessing / RobertaProcessing: [CLS] sequence [SEP], each given as ["token", id].
std::unique_ptr<const PostProcessor> make_cls_sep(const JsonNode& node) {
  const auto id_of = [&](const std::string& key) {
    const JsonNode field = node.at(key, "[\"TOKEN\", ID]");
    const std::vector<JsonNode> pair = field.items("[\"TOKEN\", ID]");
    if (pair.size() != 2) field.fail("[\"TOKEN\", ID]");
    return pair[1].token_id();
  };
  const int64_t cls = id_of("cls"), sep = id_of("sep");
  return std::make_unique<TemplateProcessor>(std::vector<TokenIds>{{cls}, {}, {sep}});
}

}  // namespace

std::unique_ptr<const PostProcessor> make_post_processor(const JsonNode& node) {
  const std::string type = node.type(
      {"TemplateProcessing", "ByteLevel", "Sequence", "BertProcessing", "RobertaProcessing"});
  if (type == "ByteLevel") return std::make_unique<IdentityProcessor>();
  if (type == "TemplateProcessing") return make_template(node);
  if (type == "BertProcessing" || type == "RobertaProcessing") return make_cls_sep(node);
  std::vector<std::unique_ptr<const PostProcessor>> steps;
  for (const JsonNode& item : node.list("processors", "a list of post-processors")) {
    steps.push_back(make_post_processor(item));
  }
  return std::make_unique<SequenceProcessor>(std::move(steps));
}

}  // namespace sy
