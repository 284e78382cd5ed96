#include "tools/keel/file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace keel::cli {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::vector<std::uint8_t> read_binary_file(const std::string& path, std::size_t max_bytes) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw FileError(path + ": cannot open: " + std::strerror(errno));
    std::vector<std::uint8_t> bytes;
    std::uint8_t chunk[65536];
    while (true) {
        const auto n = std::fread(chunk, 1, sizeof chunk, file.get());
        bytes.insert(bytes.end(), chunk, chunk + n);
        if (bytes.size() > max_bytes)
            throw InputError(path + ": larger than the limit of " + std::to_string(max_bytes) + " bytes");
        if (n < sizeof chunk) break;
    }
    if (std::ferror(file.get())) throw FileError(path + ": cannot read: " + std::strerror(errno));
    return bytes;
}

std::string read_text_file(const std::string& path, std::size_t max_bytes) {
    auto bytes = read_binary_file(path, max_bytes);
    return {bytes.begin(), bytes.end()};
}

}  // namespace keel::cli
