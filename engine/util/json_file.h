// Reading JSON from files, lines and the store with bounds a hostile input cannot pass: every
// reader of outside JSON (experiment files, config.json, tokenizer.json, adapter_config.json,
// safetensors headers, score matrices, JSONL task lines, event lines) parses through here, so a
// file of 100,000 nested arrays or a 10 GB "config.json" ends in one short sy::Error naming the
// source instead of a stack overflow, a huge allocation or a 100 KB error line. Writing is atomic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sy {

// Real files nest fewer than ten levels; nlohmann's copies, comparisons and dump() recurse once per
// level, so deeper input is refused before it is parsed.
constexpr int kMaxJsonDepth = 64;
// The largest JSON file read whole (tokenizer.json of large vocabularies is ~30 MB).
constexpr uint64_t kMaxJsonFileBytes = 1ull << 30;
// The most characters of a file's value an error message quotes.
constexpr size_t kMaxQuotedChars = 80;

// The deepest nesting of arrays and objects in `text`, counting brackets outside strings; the
// count stops once past `stop_after`. Exact for valid JSON, which is all a parser accepts.
int json_depth(std::string_view text, int stop_after = kMaxJsonDepth);

// Parses `text`; `source` names it in errors ("tasks.jsonl line 3"). Throws sy::Error for text
// that is not JSON or nests deeper than kMaxJsonDepth.
nlohmann::json parse_json(std::string_view text, const std::string& source);
// The same without an error: nullopt for text that is not JSON or nests too deep (store fields,
// half-written lines). `Json` may be nlohmann::ordered_json, for readers that keep key order.
template <typename Json = nlohmann::json>
std::optional<Json> try_parse_json(std::string_view text) {
  if (json_depth(text) > kMaxJsonDepth) return std::nullopt;
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// A whole file of at most `max_bytes`, parsed; errors name the path.
nlohmann::json read_json_file(const std::string& path, uint64_t max_bytes = kMaxJsonFileBytes);
// Written to PATH.tmp and renamed, so a crash never leaves half a file.
void write_json_file(const std::string& path, const nlohmann::json& value);

// `text` for an error message: at most kMaxQuotedChars characters (whole UTF-8 sequences), then
// "…" where it was cut.
std::string quoted_excerpt(std::string_view text);
// A value from a file for an error message: its JSON text, cut as quoted_excerpt cuts.
std::string json_excerpt(const nlohmann::json& value);

}  // namespace sy
