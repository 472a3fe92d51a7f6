// Checked reading of forward's IN.json.
#include "engine/model/forward_input.h"

#include <nlohmann/json.hpp>

#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {

// A non-empty list of non-empty rows of one length, each value in [min, max]; flattened.
std::vector<int64_t> read_rows(const nlohmann::json& in, const char* field, const std::string& path,
                               int64_t min, int64_t max, const std::string& values, int64_t& rows,
                               int64_t& length) {
  const std::string where = path + ": field \"" + field + "\"";
  const nlohmann::json& v = in.at(field);
  if (!v.is_array() || v.empty() || !v[0].is_array() || v[0].empty()) {
    throw Error(where + " is " + json_excerpt(v) + "; expected a non-empty list of rows of " +
                values);
  }
  rows = static_cast<int64_t>(v.size());
  length = static_cast<int64_t>(v[0].size());
  if (rows * length > kMaxForwardTokens) {
    throw Error(where + " holds " + std::to_string(rows) + " rows of " + std::to_string(length) +
                " tokens; expected at most " + std::to_string(kMaxForwardTokens) +
                " tokens in all");
  }
  std::vector<int64_t> flat;
  flat.reserve(static_cast<size_t>(rows * length));
  for (size_t r = 0; r < v.size(); ++r) {
    const nlohmann::json& row = v[r];
    if (!row.is_array() || static_cast<int64_t>(row.size()) != length) {
      throw Error(where + " row " + std::to_string(r) + " is " + json_excerpt(row) +
                  "; expected a list of " + std::to_string(length) + " " + values +
                  ", as long as row 0");
    }
    for (size_t i = 0; i < row.size(); ++i) {
      const nlohmann::json& x = row[i];
      const bool integer = x.is_number_integer() &&
                           !(x.is_number_unsigned() && x.get<uint64_t>() > uint64_t(INT64_MAX));
      if (!integer || x.get<int64_t>() < min || x.get<int64_t>() > max) {
        throw Error(where + " row " + std::to_string(r) + ", position " + std::to_string(i) +
                    " is " + json_excerpt(x) + "; expected " + values);
      }
      flat.push_back(x.get<int64_t>());
    }
  }
  return flat;
}

}  // namespace

ForwardInput forward_input_from_json(const nlohmann::json& in, const std::string& path,
                                     int64_t vocab_size, int64_t context) {
  if (!in.is_object()) {
    throw Error(path + " is " + json_excerpt(in) +
                "; expected an object with \"input_ids\" (and optionally \"attention_mask\")");
  }
  if (!in.contains("input_ids")) {
    throw Error(path + ": field \"input_ids\" is missing; expected a list of rows of token ids");
  }
  ForwardInput out;
  out.input_ids = read_rows(
      in, "input_ids", path, 0, vocab_size - 1,
      "token ids from 0 to " + std::to_string(vocab_size - 1) + " (the model's vocabulary)",
      out.rows, out.length);
  if (out.length > context) {
    throw Error(path + ": field \"input_ids\" holds rows of " + std::to_string(out.length) +
                " tokens; expected at most the model's context length of " +
                std::to_string(context));
  }
  if (in.contains("attention_mask") && !in.at("attention_mask").is_null()) {
    int64_t rows = 0, length = 0;
    out.attention_mask = read_rows(in, "attention_mask", path, 0, 1, "0 and 1", rows, length);
    if (rows != out.rows || length != out.length) {
      throw Error(path + ": field \"attention_mask\" is " + std::to_string(rows) + " x " +
                  std::to_string(length) + "; expected the shape of \"input_ids\", " +
                  std::to_string(out.rows) + " x " + std::to_string(out.length));
    }
    for (int64_t r = 0; r < rows; ++r) {
      bool any = false;
      for (int64_t i = 0; i < length; ++i) any = any || out.attention_mask[r * length + i] == 1;
      if (!any) {
        throw Error(path + ": field \"attention_mask\" row " + std::to_string(r) +
                    " masks every position; expected at least one 1 per row");
      }
    }
  }
  return out;
}

}  // namespace sy
