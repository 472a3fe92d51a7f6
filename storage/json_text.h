// The two JSON shapes the store writes itself: a list of strings (a confusion matrix's labels)
// and a matrix of integers (its counts). storage/ has no JSON library, and these two need only a
// few lines each way; every other JSON document passes through the store as opaque text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sy::store {

std::string string_list_to_json(const std::vector<std::string>& items);
std::string int_matrix_to_json(const std::vector<std::vector<int64_t>>& rows);

// nullopt when `text` is not exactly that shape (whitespace allowed between tokens).
std::optional<std::vector<std::string>> string_list_from_json(const std::string& text);
std::optional<std::vector<std::vector<int64_t>>> int_matrix_from_json(const std::string& text);

}  // namespace sy::store
