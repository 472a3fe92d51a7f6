// A fixed, hand-written word list: changing it changes every built-in task and the pretraining
// corpus, so add to it only together with a new version of the built-in base model.
#include "engine/data/word_list.h"

#include <algorithm>

namespace sy {

const std::vector<std::string>& common_words() {
  static const std::vector<std::string> words = {
      "about",   "above",  "actor",   "adult",  "after",  "again",  "agent",  "agree",  "ahead",
      "alarm",   "album",  "alive",   "allow",  "alone",  "along",  "amber",  "angle",  "angry",
      "animal",  "answer", "apple",   "apron",  "arm",    "army",   "arrow",  "artist", "autumn",
      "award",   "baby",   "back",    "bag",    "baker",  "ball",   "band",   "bank",   "basket",
      "bath",    "beach",  "bean",    "bear",   "bed",    "bell",   "belt",   "bench",  "berry",
      "bird",    "black",  "blade",   "blank",  "blue",   "boat",   "body",   "bone",   "book",
      "boot",    "bottle", "bowl",    "box",    "brave",  "bread",  "brick",  "bridge", "bright",
      "brown",   "brush",  "bucket",  "build",  "bus",    "butter", "cabin",  "cable",  "cake",
      "calm",    "camera", "candle",  "canoe",  "car",    "card",   "care",   "carpet", "cart",
      "castle",  "cat",    "chair",   "chalk",  "cheese", "cherry", "chest",  "child",  "circle",
      "city",    "claim",  "clean",   "clock",  "cloud",  "coast",  "coat",   "coffee", "coin",
      "cold",    "color",  "corn",    "cotton", "couch",  "cousin", "cow",    "crab",   "crowd",
      "crown",   "cup",    "dance",   "dark",   "dawn",   "day",    "deer",   "desk",   "diary",
      "dinner",  "dish",   "doctor",  "dog",    "door",   "dragon", "drawer", "dream",  "dress",
      "drum",    "duck",   "dust",    "eagle",  "early",  "earth",  "east",   "egg",    "elbow",
      "empty",   "engine", "evening", "face",   "fair",   "family", "farm",   "fast",   "father",
      "feather", "fence",  "field",   "finger", "fire",   "fish",   "flag",   "flame",  "floor",
      "flower",  "fog",    "forest",  "fork",   "fox",    "friend", "frog",   "fruit",  "garden",
      "gate",    "ghost",  "gift",    "glass",  "glove",  "goat",   "gold",   "grape",  "grass",
      "green",   "guitar", "hair",    "hammer", "hand",   "happy",  "harbor", "hat",    "heart",
      "hill",    "honey",  "horse",   "house",  "ice",    "island", "jacket", "jelly",  "jewel",
      "juice",   "kettle", "key",     "king",   "kite",   "kitten", "knee",   "knife",  "ladder",
      "lake",    "lamp",   "leaf",    "lemon",  "letter", "light",  "lion",   "lizard", "lunch",
      "magic",   "mango",  "maple",   "market", "meadow", "metal",  "milk",   "mirror", "money",
      "monkey",  "moon",   "morning", "mother", "mouse",  "music",  "nail",   "needle", "nest",
      "night",   "noodle", "north",   "ocean",  "olive",  "onion",  "orange", "owl",    "paint",
      "paper",   "parrot", "party",   "peach",  "pencil", "pepper", "piano",  "pillow", "pilot",
      "pizza",   "planet", "plate",   "pocket", "pond",   "potato", "puzzle", "queen",  "quiet",
      "rabbit",  "rain",   "river",   "road",   "robot",  "rock",   "roof",   "room",   "rope",
      "rose",    "sail",   "salad",   "salt",   "sand",   "school", "sea",    "seed",   "shadow",
      "sheep",   "shell",  "ship",    "shirt",  "shoe",   "silver", "singer", "sister", "sky",
      "snake",   "snow",   "soap",    "sock",   "soup",   "south",  "spoon",  "spring", "star",
      "stone",   "storm",  "street",  "sugar",  "summer", "sun",    "swan",   "table",  "tail",
      "teacher", "tent",   "thunder", "tiger",  "toast",  "tomato", "tooth",  "towel",  "tower",
      "town",    "train",  "tree",    "truck",  "tulip",  "turtle", "uncle",  "valley", "violin",
      "wagon",   "wall",   "water",   "whale",  "wheel",  "window", "winter", "wolf",   "wood",
      "world",   "yellow", "young",   "zebra",
  };
  return words;
}

std::vector<std::string> pick_words(Rng& rng, int min_count, int max_count) {
  const std::vector<std::string>& words = common_words();
  const int count = static_cast<int>(rng.uniform(min_count, max_count));
  std::vector<std::string> picked;
  picked.reserve(static_cast<size_t>(count));
  // Rejection keeps the words distinct; the list is far longer than any request, so it is quick.
  while (static_cast<int>(picked.size()) < count) {
    const std::string& word = rng.pick(words);
    if (std::find(picked.begin(), picked.end(), word) == picked.end()) picked.push_back(word);
  }
  return picked;
}

std::string join_words(const std::vector<std::string>& words, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += separator;
    text += words[i];
  }
  return text;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

}  // namespace sy
