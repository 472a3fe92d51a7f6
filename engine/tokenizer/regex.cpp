// The Oniguruma wrapper: compile once, search with a region owned by the call (thread-safe).
#include "engine/tokenizer/regex.h"

#include <memory>
#include <mutex>
#include <stdexcept>

#include <oniguruma.h>

#include "engine/tokenizer/utf8.h"

namespace sy {

namespace {

void initialize_oniguruma() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

struct RegionDeleter {
  void operator()(OnigRegion* region) const { onig_region_free(region, 1); }
};
using Region = std::unique_ptr<OnigRegion, RegionDeleter>;

// One search with the caller's region, so that a loop over many matches allocates it once.
bool search_in(re_pattern_buffer* regex, const std::string& pattern, OnigRegion* region,
               std::string_view text, size_t from, size_t* start, size_t* end) {
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* stop = begin + text.size();
  const int rc = onig_search(regex, begin, stop, begin + from, stop, region, ONIG_OPTION_NONE);
  if (rc < 0) {
    if (rc == ONIG_MISMATCH) return false;
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, rc);
    throw std::runtime_error("regular expression /" + pattern +
                             "/ failed: " + reinterpret_cast<const char*>(message));
  }
  *start = static_cast<size_t>(region->beg[0]);
  *end = static_cast<size_t>(region->end[0]);
  return true;
}

}  // namespace

Regex::Regex(const std::string& pattern) : pattern_(pattern) {
  initialize_oniguruma();
  OnigErrorInfo info;
  const auto* begin = reinterpret_cast<const OnigUChar*>(pattern_.data());
  const int rc = onig_new(&regex_, begin, begin + pattern_.size(), ONIG_OPTION_NONE,
                          ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
  if (rc != ONIG_NORMAL) {
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, rc, &info);
    regex_ = nullptr;
    throw std::invalid_argument(reinterpret_cast<const char*>(message));
  }
}

Regex::~Regex() {
  if (regex_) onig_free(regex_);
}

bool Regex::search(std::string_view text, size_t from, size_t* start, size_t* end) const {
  Region region(onig_region_new());
  return search_in(regex_, pattern_, region.get(), text, from, start, end);
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  Region region(onig_region_new());
  size_t from = 0;
  bool matched_before = false;
  size_t last_match_end = 0;
  while (from <= text.size()) {
    size_t start = 0, end = 0;
    if (!search_in(regex_, pattern_, region.get(), text, from, &start, &end)) break;
    if (start == end && matched_before && last_match_end == end) {
      // An empty match where the last one ended: step one character and look again.
      from += from < text.size() ? utf8::char_length(text, from) : 1;
      continue;
    }
    matches.emplace_back(start, end);
    from = end;
    matched_before = true;
    last_match_end = end;
  }
  return matches;
}

}  // namespace sy
