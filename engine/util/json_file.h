// Reading and writing whole JSON files with errors that name the file and the position.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sy {

nlohmann::json read_json_file(const std::string& path);
// Written to PATH.tmp and renamed, so a crash never leaves half a file.
void write_json_file(const std::string& path, const nlohmann::json& value);

}  // namespace sy
