#include "tool_run.hpp"

#include <openssl/evp.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child_process.hpp"
#include "log.hpp"

namespace keel::test {
namespace {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string tool_path() { return env_or("KEEL_PLATFORM", "keel-platform"); }
std::string guest_path() { return env_or("KEEL_PLATFORM_GUEST", "platform_guest.elf"); }

ToolRun::ToolRun() {
    // Short: Unix socket paths inside it are limited to 107 bytes.
    std::string pattern = env_or("TMPDIR", "/tmp") + "/keel-platform-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
}

ToolRun::~ToolRun() {
    process_.reset();
    if (!std::getenv("KEEL_KEEP_PLATFORM_LOGS")) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
}

void ToolRun::start(const std::vector<std::string>& options, const std::vector<std::string>& prefix) {
    std::vector<std::string> argv = prefix;
    argv.insert(argv.end(), {tool_path(), "run", "--state-dir", dir_.string(), "--serial",
                             (dir_ / "serial.log").string(), "--pcr-dump", (dir_ / "pcrs.json").string()});
    argv.insert(argv.end(), options.begin(), options.end());
    process_ = std::make_unique<platform::ChildProcess>(
        platform::SpawnOptions{.argv = argv, .stdout_path = dir_ / "tool.out", .stderr_path = dir_ / "tool.err"});
}

std::optional<int> ToolRun::wait(std::chrono::seconds timeout) {
    if (!status_) status_ = process_->wait_for(timeout);
    if (!status_) process_->stop();
    return status_;
}

bool ToolRun::wait_for_console(const std::string& text, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (console().find(text) != std::string::npos) return true;
        if (process_->poll()) return console().find(text) != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::string ToolRun::console() const { return read_text(dir_ / "serial.log"); }
std::string ToolRun::messages() const { return read_text(dir_ / "tool.err"); }

nlohmann::json ToolRun::pcrs() const {
    std::string text = read_text(dir_ / "pcrs.json");
    if (text.empty()) return nlohmann::json::object();
    return nlohmann::json::parse(text);
}

Bytes guest_slb(uint16_t length) {
    Bytes slb(length);
    slb[0] = 8;
    slb[1] = 0;
    slb[2] = uint8_t(length);
    slb[3] = uint8_t(length >> 8);
    for (size_t i = 4; i < length; ++i) slb[i] = uint8_t(i * 31 + 7);
    return slb;
}

Bytes digest(const char* algorithm, const Bytes& data) {
    const EVP_MD* md = EVP_get_digestbyname(algorithm);
    if (!md) throw std::runtime_error(std::string("unknown digest ") + algorithm);
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned size = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1)
        throw std::runtime_error("EVP_Digest failed");
    out.resize(size);
    return out;
}

Bytes extended_from_zero(const char* algorithm, const Bytes& value) {
    Bytes input(value.size(), 0);
    input.insert(input.end(), value.begin(), value.end());
    return digest(algorithm, input);
}

std::string to_hex(const Bytes& bytes) { return platform::hex(bytes); }

}  // namespace keel::test
