// Checks that Switchyard's safetensors files round-trip every dtype exactly, match the bytes the
// reference (Python) writer produces, and that any damaged file ends in a clear sy::Error naming
// the file and tensor -- never a crash, never a half-written file.
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "engine/model/safetensors.h"
#include "engine/model/tensor_io.h"
#include "engine/util/error.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le_u64(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out;
}

// A file as the format lays it out: length, header text, data buffer.
std::string make_file(const std::string& header, const std::string& data) {
  return le_u64(header.size()) + header + data;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

// What open() does with `bytes`: "" when it opens, the sy::Error message when it refuses, and a
// test failure for any other exception.
std::string open_error(const std::string& path, const std::string& bytes) {
  write_bytes(path, bytes);
  try {
    const sy::SafetensorsFile file = sy::SafetensorsFile::open(path);
    // Whatever opened must keep every entry inside the mapping; touch every byte to prove it.
    unsigned sum = 0;
    for (const sy::TensorEntry& e : file.tensors()) {
      for (size_t i = 0; i < e.nbytes; ++i) sum += e.data[i];
    }
    (void)sum;
    return "";
  } catch (const sy::Error& e) {
    return e.what();
  }
}

bool same_bytes(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  const torch::Tensor ca = a.contiguous(), cb = b.contiguous();
  const size_t n = static_cast<size_t>(ca.numel()) * ca.element_size();
  return n == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), n) == 0;
}

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void roundTripIsExactForEveryDtype() {
    torch::manual_seed(7);
    sy::NamedTensors tensors;
    tensors["f32"] = torch::randn({3, 4});
    tensors["f16"] = torch::randn({5}).to(torch::kHalf);
    tensors["bf16"] = torch::randn({2, 3}).to(torch::kBFloat16);
    tensors["i64"] = torch::tensor(std::vector<int64_t>{-9, 0, 1LL << 40, INT64_MAX});
    tensors["scalar"] = torch::tensor(3.25f).reshape({});
    tensors["empty"] = torch::empty({0, 3});
    tensors["f64"] = torch::randn({2}, torch::kFloat64);
    tensors["i32"] = torch::arange(6, torch::kInt32).reshape({2, 3});
    tensors["i16"] = torch::arange(-3, 3, torch::kInt16);
    tensors["i8"] = torch::arange(-4, 4, torch::kInt8);
    tensors["u8"] = torch::arange(250, 256, torch::kInt32).to(torch::kUInt8);
    tensors["bool"] = torch::tensor(std::vector<int64_t>{1, 0, 1}).to(torch::kBool);
    tensors["transposed"] = torch::randn({3, 2}).t();  // not contiguous: must be saved row-major
    const std::string path = file("round_trip.safetensors");
    sy::save_safetensors(path, tensors);

    const sy::NamedTensors loaded = sy::load_safetensors(path);
    QCOMPARE(loaded.size(), tensors.size());
    for (const auto& [name, tensor] : tensors) {
      const auto it = loaded.find(name);
      QVERIFY2(it != loaded.end(), name.c_str());
      QVERIFY2(it->second.is_contiguous(), name.c_str());
      QVERIFY2(same_bytes(tensor, it->second), ("tensor differs: " + name).c_str());
    }
    QCOMPARE(loaded.at("scalar").dim(), int64_t{0});
    QCOMPARE(loaded.at("empty").numel(), int64_t{0});

    // The reader sees the shapes and dtypes as stored.
    const sy::SafetensorsFile st = sy::SafetensorsFile::open(path);
    const sy::TensorEntry* bf16 = st.find("bf16");
    QVERIFY(bf16 != nullptr);
    QCOMPARE(bf16->dtype, sy::DType::BF16);
    QCOMPARE(bf16->shape, (std::vector<int64_t>{2, 3}));
    QCOMPARE(bf16->nbytes, size_t{12});
    QVERIFY(st.find("missing") == nullptr);
  }

  void metadataRoundTrips() {
    const std::map<std::string, std::string> metadata = {
        {"format", "pt"},
        {"note", "quote \" backslash \\ newline \n tab \t"},
        {"unicode", "Grüße, 世界"},
        {"empty", ""}};
    sy::NamedTensors tensors;
    tensors["w"] = torch::ones({2, 2});
    const std::string path = file("metadata.safetensors");
    sy::save_safetensors(path, tensors, metadata);

    std::map<std::string, std::string> loaded_metadata;
    const sy::NamedTensors loaded = sy::load_safetensors(path, &loaded_metadata);
    QCOMPARE(loaded.size(), size_t{1});
    QVERIFY(loaded_metadata == metadata);
    QVERIFY(sy::SafetensorsFile::open(path).metadata() == metadata);
  }

  void headerIsPaddedToMultipleOf8() {
    for (int length = 1; length <= 12; ++length) {
      sy::NamedTensors tensors;
      tensors[std::string(length, 'x')] = torch::zeros({1});
      const std::string path = file("padding.safetensors");
      sy::save_safetensors(path, tensors);
      const std::string bytes = read_bytes(path);
      QVERIFY(bytes.size() >= 8);
      uint64_t header_size = 0;
      for (int i = 7; i >= 0; --i) {
        header_size = (header_size << 8) | static_cast<unsigned char>(bytes[i]);
      }
      QCOMPARE(header_size % 8, uint64_t{0});
      QCOMPARE(bytes.size(), 8 + header_size + 4);
      // Padding is spaces after the closing brace, as the reference writer does it.
      const std::string header = bytes.substr(8, header_size);
      const size_t close = header.find_last_of('}');
      QVERIFY(header.size() - close - 1 < 8);
      QVERIFY(header.find_first_not_of(' ', close + 1) == std::string::npos);
    }
  }

  // The bytes Python's safetensors writes for save_file({"a": torch.tensor([1.0, 2.0])}).
  void readsAndWritesReferenceBytes() {
    const std::string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    QCOMPARE(header.size(), size_t{54});
    const std::string reference = le_u64(56) + header + "  " + f32_bytes({1.0f, 2.0f});
    QCOMPARE(reference.size(), size_t{8 + 56 + 8});
    const std::string ref_path = file("reference.safetensors");
    write_bytes(ref_path, reference);

    const sy::SafetensorsFile st = sy::SafetensorsFile::open(ref_path);
    QCOMPARE(st.tensors().size(), size_t{1});
    const sy::TensorEntry& a = st.tensors()[0];
    QCOMPARE(a.name, std::string("a"));
    QCOMPARE(a.dtype, sy::DType::F32);
    QCOMPARE(a.shape, std::vector<int64_t>{2});
    QCOMPARE(a.nbytes, size_t{8});
    float values[2];
    std::memcpy(values, a.data, sizeof values);
    QCOMPARE(values[0], 1.0f);
    QCOMPARE(values[1], 2.0f);
    QVERIFY(st.metadata().empty());

    const float data[2] = {1.0f, 2.0f};
    const std::string ours = file("ours.safetensors");
    sy::write_safetensors(ours, {{"a", sy::DType::F32, {2}, data, sizeof data}});
    QVERIFY(read_bytes(ours) == reference);

    sy::NamedTensors tensors;
    tensors["a"] = torch::tensor(std::vector<float>{1.0f, 2.0f});
    sy::save_safetensors(ours, tensors);
    QVERIFY(read_bytes(ours) == reference);
    QVERIFY(same_bytes(sy::load_safetensors(ref_path).at("a"), tensors["a"]));
  }

  void damagedFilesGiveClearErrors_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("tensor");  // must appear in the message; empty for file-level
    QTest::addColumn<QString>("expect");  // another phrase the message must hold

    const auto row = [](const char* tag, const std::string& bytes, const char* tensor,
                        const char* expect) {
      QTest::newRow(tag) << QByteArray(bytes.data(), static_cast<int>(bytes.size()))
                         << QString(tensor) << QString(expect);
    };
    const std::string ok_entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    const std::string eight = f32_bytes({1.0f, 2.0f});

    row("empty file", "", "", "at least");
    row("7 bytes", std::string(7, '\0'), "", "at least");
    row("header past end", le_u64(100) + "{}", "", "truncated");
    row("absurd header", le_u64(1ULL << 40) + "{}", "", "at most");
    row("huge length", le_u64(UINT64_MAX) + "{}", "", "at most");
    row("not json", make_file("{\"a\": nonsense}", ""), "", "not valid JSON");
    row("json array", make_file("[1,2,3]", ""), "", "not a JSON object");
    row("json string", make_file("\"weights\"", ""), "", "not a JSON object");
    row("deep nesting", make_file(std::string(5000, '[') + std::string(5000, ']'), ""), "",
        "nested");
    row("entry not object", make_file("{\"w\":[1,2]}", ""), "w", "not a JSON object");
    row("missing dtype", make_file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "w",
        "dtype");
    row("dtype not string",
        make_file("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "w",
        "dtype");
    row("unknown dtype",
        make_file("{\"w\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", "ab"), "w",
        "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
    row("missing shape", make_file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", eight),
        "w", "shape");
    row("shape not array",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", eight), "w",
        "shape");
    row("shape float",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", eight), "w",
        "shape");
    row("negative dim",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight), "w",
        "negative");
    row("huge dims",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                  "\"data_offsets\":[0,8]}}",
                  eight),
        "w", "span");
    row("missing offsets", make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "w",
        "data_offsets");
    row("offsets one value",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", eight), "w",
        "data_offsets");
    row("offsets negative",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", eight), "w",
        "data_offsets");
    row("size mismatch",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight), "w",
        "12 bytes");
    row("begin after end",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", eight), "w",
        "after its end");
    row("offsets past end",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", eight), "w",
        "past the end");
    row("offsets far past end",
        make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                  "\"data_offsets\":[18446744073709551608,18446744073709551615]}}",
                  eight),
        "w", "past the end");
    row("overlap",
        make_file("{\"a\":" + ok_entry +
                      ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                  eight),
        "b", "overlapping tensor 'a'");
    // A header padded with spaces whose length says one byte less: the JSON still parses, but
    // every tensor would be read one byte early (it loaded, and forward gave all-NaN logits).
    const std::string padded = "{\"a\":" + ok_entry + "}  ";
    row("header one byte short", le_u64(padded.size() - 1) + padded + eight, "", "tensors cover");
    row("bytes after the last tensor", make_file("{\"a\":" + ok_entry + "}", eight + "xyz"), "",
        "tensors cover 8");
    row("gap between tensors",
        make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                  eight + "abcd"),
        "b", "unused");
    // As the reference reader: even an empty tensor must sit where the one before it ends.
    row("empty tensor inside another",
        make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                  "\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                  eight),
        "e", "overlapping tensor 'a'");
    row("metadata not object", make_file("{\"__metadata__\":[1],\"a\":" + ok_entry + "}", eight),
        "", "__metadata__");
    row("metadata value not string",
        make_file("{\"__metadata__\":{\"epoch\":3},\"a\":" + ok_entry + "}", eight), "", "epoch");
  }

  void damagedFilesGiveClearErrors() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, tensor);
    QFETCH(QString, expect);
    const std::string path = file("damaged.safetensors");
    const QString message = QString::fromStdString(
        open_error(path, std::string(bytes.constData(), static_cast<size_t>(bytes.size()))));
    QVERIFY2(!message.isEmpty(), "the damaged file was accepted");
    QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable(message));
    if (!tensor.isEmpty()) {
      QVERIFY2(message.contains("'" + tensor + "'"), qPrintable(message));
    }
    QVERIFY2(message.contains(expect), qPrintable(message));
    // The bridge gives the same error.
    try {
      sy::load_safetensors(path);
      QFAIL("load_safetensors accepted a damaged file");
    } catch (const sy::Error& e) {
      QCOMPARE(QString(e.what()), message);
    }
  }

  // A hostile file's names and values reach the error cut short, so it stays one readable line.
  void hostileNamesAreQuotedShort() {
    const std::string name(100000, 'n');
    const std::string path = file("long_name.safetensors");
    const std::string message =
        open_error(path, make_file("{\"" + name + "\":{\"dtype\":\"" + std::string(100000, 'D') +
                                       "\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                                   f32_bytes({1.0f, 2.0f})));
    QVERIFY2(message.find("unknown dtype") != std::string::npos, message.c_str());
    QVERIFY2(message.find(name.substr(0, 80) + "\xE2\x80\xA6") != std::string::npos,
             message.substr(0, 300).c_str());
    QVERIFY2(message.size() < path.size() + 400, message.substr(0, 300).c_str());
  }

  void missingFileNamesThePath() {
    const std::string path = file("no_such.safetensors");
    try {
      sy::load_safetensors(path);
      QFAIL("a missing file was accepted");
    } catch (const sy::Error& e) {
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(path)), e.what());
    }
  }

  void anyTruncationOrCorruptionIsRefusedOrSafe() {
    sy::NamedTensors tensors;
    tensors["layers.0.weight"] = torch::randn({4, 3});
    tensors["layers.0.bias"] = torch::randn({4}).to(torch::kHalf);
    tensors["step"] = torch::tensor(int64_t{12}).reshape({});
    const std::string good_path = file("good.safetensors");
    sy::save_safetensors(good_path, tensors, {{"format", "pt"}});
    const std::string good = read_bytes(good_path);
    const std::string path = file("fuzz.safetensors");

    for (size_t length = 0; length < good.size(); ++length) {
      const std::string message = open_error(path, good.substr(0, length));
      // Cutting the data short must be caught; only cutting nothing is fine.
      QVERIFY2(!message.empty(),
               qPrintable(QString("truncation to %1 bytes accepted").arg(length)));
    }
    std::mt19937 rng(2024);
    std::uniform_int_distribution<size_t> pos(0, good.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 3000; ++round) {
      std::string bad = good;
      const int flips = 1 + round % 4;
      for (int f = 0; f < flips; ++f) bad[pos(rng)] = static_cast<char>(byte(rng));
      open_error(path, bad);  // either opens within bounds or throws sy::Error
    }
  }

  void writerRefusesBadInput() {
    const float data[3] = {1, 2, 3};
    const std::string path = file("refused.safetensors");
    const auto refused = [&](const std::vector<sy::TensorToWrite>& tensors, const char* expect) {
      try {
        sy::write_safetensors(path, tensors);
      } catch (const sy::Error& e) {
        const QString message(e.what());
        return message.contains(QString::fromStdString(path)) && message.contains(expect);
      }
      return false;
    };
    QVERIFY(refused({{"w", sy::DType::F32, {2}, data, 8}, {"w", sy::DType::F32, {1}, data, 4}},
                    "'w' appears twice"));
    QVERIFY(refused({{"w", sy::DType::F32, {3}, data, 8}}, "12 bytes"));
    QVERIFY(refused({{"w", sy::DType::F32, {-1}, data, 4}}, "negative"));
    QVERIFY(refused({{"__metadata__", sy::DType::F32, {1}, data, 4}}, "reserved"));
    QVERIFY(refused({{"w", sy::DType::F32, {1}, nullptr, 4}}, "no data"));
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));

    sy::NamedTensors complex;
    complex["c"] = torch::zeros({2}, torch::kComplexFloat);
    try {
      sy::save_safetensors(path, complex);
      QFAIL("a complex tensor was written");
    } catch (const sy::Error& e) {
      QVERIFY2(QString(e.what()).contains("'c'"), e.what());
    }
  }

  void writeIsAtomic() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = QDir(dir.path()).filePath("adapter.safetensors").toStdString();
    const float first[2] = {1, 2};
    sy::write_safetensors(path, {{"w", sy::DType::F32, {2}, first, sizeof first}});
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"adapter.safetensors"});
    const std::string before = read_bytes(path);

    // A refused write leaves the old file as it was.
    try {
      sy::write_safetensors(path, {{"w", sy::DType::F32, {3}, first, sizeof first}});
      QFAIL("a size mismatch was written");
    } catch (const sy::Error&) {
    }
    QVERIFY(read_bytes(path) == before);

    // A successful overwrite replaces it whole.
    const float second[3] = {4, 5, 6};
    sy::write_safetensors(path, {{"w", sy::DType::F32, {3}, second, sizeof second}});
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"adapter.safetensors"});
    const sy::SafetensorsFile st = sy::SafetensorsFile::open(path);
    QCOMPARE(st.find("w")->shape, std::vector<int64_t>{3});

    // A directory that does not exist is a clear error, not a crash.
    const std::string nowhere = QDir(dir.path()).filePath("missing/x.safetensors").toStdString();
    try {
      sy::write_safetensors(nowhere, {});
      QFAIL("a write into a missing directory succeeded");
    } catch (const sy::Error& e) {
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(nowhere)), e.what());
    }
  }

  void openFileIsMovable() {
    sy::NamedTensors tensors;
    tensors["w"] = torch::arange(4, torch::kFloat32);
    const std::string path = file("movable.safetensors");
    sy::save_safetensors(path, tensors);
    sy::SafetensorsFile a = sy::SafetensorsFile::open(path);
    const uint8_t* data = a.find("w")->data;
    sy::SafetensorsFile b(std::move(a));
    QCOMPARE(b.find("w")->data, data);
    sy::SafetensorsFile c = sy::SafetensorsFile::open(path);
    c = std::move(b);
    float values[4];
    std::memcpy(values, c.find("w")->data, sizeof values);
    QCOMPARE(values[3], 3.0f);
    QCOMPARE(c.tensors().size(), size_t{1});
  }

  void emptyFileRoundTrips() {
    const std::string path = file("no_tensors.safetensors");
    sy::write_safetensors(path, {});
    QCOMPARE(read_bytes(path), le_u64(8) + "{}      ");
    QVERIFY(sy::load_safetensors(path).empty());
  }

 private:
  std::string file(const char* name) const {
    return QDir(dir_.path()).filePath(name).toStdString();
  }

  QTemporaryDir dir_;
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
