#include "skinit_port.hpp"

#include <openssl/evp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "ctrl_protocol.hpp"
#include "ctrl_proxy.hpp"
#include "log.hpp"
#include "qmp_client.hpp"

namespace keel::platform {
namespace {

constexpr size_t SLB_SIZE = 64 * 1024;  // SKINIT reads the SLB from a 64 KiB-aligned 64 KiB block
constexpr uint64_t FOUR_GIB = 1ull << 32;
constexpr size_t MIN_SLB_LENGTH = 8;
constexpr size_t MAX_LINE = 256;
const std::string PREFIX = "KEEL-PLATFORM ";

std::string error_reply(std::string reason) {
    for (char& c : reason)
        if (c == '\n' || c == '\r') c = ' ';
    return PREFIX + "ERROR " + reason;
}

std::vector<uint8_t> sha256(std::span<const uint8_t> data) {
    std::vector<uint8_t> digest(EVP_MAX_MD_SIZE);
    unsigned size = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    digest.resize(size);
    return digest;
}

// HASH_START, HASH_DATA in chunks of at most 4096 bytes, HASH_END: what the
// CPU's SKINIT makes the TPM do at locality 4. Returns the number of chunks.
size_t send_hash_sequence(TpmChannel& channel, std::span<const uint8_t> measured) {
    channel.control_ok(ctrl::HASH_START);
    size_t chunks = 0;
    for (size_t offset = 0; offset < measured.size(); offset += ctrl::HASH_DATA_MAX, ++chunks) {
        size_t n = std::min(ctrl::HASH_DATA_MAX, measured.size() - offset);
        std::vector<uint8_t> body = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
        body.insert(body.end(), measured.begin() + long(offset), measured.begin() + long(offset + n));
        channel.control_ok(ctrl::HASH_DATA, body);
    }
    channel.control_ok(ctrl::HASH_END);
    return chunks;
}

}  // namespace

SlbMeasurement inspect_slb(std::span<const uint8_t> image) {
    SlbMeasurement m;
    if (image.size() < 4) {
        m.refused = "SLB image shorter than its header";
        return m;
    }
    m.entry = uint16_t(image[0] | image[1] << 8);
    m.length = uint16_t(image[2] | image[3] << 8);
    if (m.length == 0 || m.length < MIN_SLB_LENGTH)
        m.refused = "SLB length " + std::to_string(m.length) + " in the header is too small (0 or below " +
                    std::to_string(MIN_SLB_LENGTH) + " bytes)";
    else if (m.length > image.size())
        m.refused = "SLB length " + std::to_string(m.length) + " exceeds the image";
    return m;
}

std::string check_slb_address(uint64_t address) {
    if (address % SLB_SIZE != 0) return "SLB address " + hex_number(address) + " is not 64 KiB aligned";
    if (address >= FOUR_GIB || address + SLB_SIZE > FOUR_GIB)
        return "SLB address " + hex_number(address) + " is not below 4 GiB";
    return {};
}

PlatformPort::PlatformPort(const std::filesystem::path& state_dir, TpmProxy& proxy, bool without_reset)
    : state_dir_(state_dir), proxy_(proxy), without_reset_(without_reset), listener_(state_dir / "platform.sock") {
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_) throw std::runtime_error("eventfd: " + std::string(strerror(errno)));
}

PlatformPort::~PlatformPort() { stop(); }

void PlatformPort::start(QmpClient& qmp) {
    qmp_ = &qmp;
    thread_ = std::thread([this] { serve(); });
}

void PlatformPort::stop() {
    stopping_ = true;
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    if (thread_.joinable()) thread_.join();
}

void PlatformPort::serve() {
    while (!stopping_) {
        pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {listener_.fd(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
        if (stopping_) return;
        if (!(fds[1].revents & POLLIN)) continue;
        UniqueFd connection = listener_.accept();
        if (!connection) continue;
        log("platform port: QEMU connected (the guest's COM2)");
        serve_connection(connection.get());
        log("platform port: QEMU disconnected");
    }
}

void PlatformPort::serve_connection(int fd) {
    std::string line;
    bool overlong = false;
    while (!stopping_) {
        pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
        if (stopping_ || !fds[1].revents) continue;
        char chunk[512];
        ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return;
        for (ssize_t i = 0; i < n; ++i) {
            char c = chunk[i];
            if (c != '\n') {
                if (line.size() < MAX_LINE)
                    line.push_back(c);
                else
                    overlong = true;
                continue;
            }
            std::string reply = overlong ? error_reply("request too long") : answer(line);
            line.clear();
            overlong = false;
            if (reply.empty()) continue;
            reply += "\n";
            try {
                write_all(fd, std::span(reinterpret_cast<const uint8_t*>(reply.data()), reply.size()));
            } catch (const std::exception& e) {
                log("platform port: cannot answer the guest: " + std::string(e.what()));
                return;
            }
        }
    }
}

std::string PlatformPort::answer(const std::string& raw) {
    auto first = raw.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};  // an empty line: nothing asked
    std::string line = raw.substr(first, raw.find_last_not_of(" \t\r") + 1 - first);
    if (line == PREFIX + "HELLO") {
        log("platform port: guest says HELLO; answering READY 1");
        return PREFIX + "READY 1";
    }
    const std::string skinit_prefix = PREFIX + "SKINIT ";
    if (line.rfind(skinit_prefix, 0) == 0) return skinit(line.substr(skinit_prefix.size()));
    std::string shown;
    for (char c : line) shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    // UEFI firmware and GRUB write their console to every serial port, COM2
    // included: answering that chatter would only bury the real replies.
    if (line.rfind(PREFIX, 0) != 0) {
        log("platform port: ignoring output that is not a request: '" + shown + "'");
        return {};
    }
    log("platform port: unknown request '" + shown + "'");
    return error_reply("unknown request");
}

std::vector<uint8_t> PlatformPort::read_guest_memory(uint64_t address, size_t size) {
    std::filesystem::path dump = state_dir_ / "slb-dump.bin";
    std::filesystem::remove(dump);
    qmp_->execute("pmemsave", {{"val", address}, {"size", size}, {"filename", dump.string()}});
    std::ifstream in(dump, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() != size)
        throw std::runtime_error("QMP pmemsave gave " + std::to_string(bytes.size()) + " bytes, not " +
                                 std::to_string(size));
    return bytes;
}

std::string PlatformPort::skinit(const std::string& text) {
    auto received = std::chrono::steady_clock::now();
    uint64_t address = 0;
    bool parsed = text.size() > 2 && text.size() <= 18 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (parsed) {
        auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), address, 16);
        parsed = ec == std::errc() && end == text.data() + text.size();
    }
    if (!parsed) {
        log("emulated SKINIT refused: bad SLB address '" + text + "'");
        return error_reply("bad SLB address (want 0x<hex>)");
    }
    log("emulated SKINIT requested: SLB at " + hex_number(address));
    if (std::string why = check_slb_address(address); !why.empty()) {
        log("emulated SKINIT refused: " + why);
        return error_reply(why);
    }
    bool paused = false;
    try {
        qmp_->execute("stop");
        paused = true;
        log("VM paused (QMP stop)");
        std::vector<uint8_t> image = read_guest_memory(address, SLB_SIZE);
        SlbMeasurement slb = inspect_slb(image);
        log("read the SLB's 64 KiB from guest memory (QMP pmemsave): entry point offset " + hex_number(slb.entry) +
            ", length " + std::to_string(slb.length));
        if (!slb.refused.empty()) throw std::runtime_error(slb.refused);
        std::span<const uint8_t> measured(image.data(), slb.length);
        if (without_reset_) {
            qmp_->execute("cont");
            paused = false;
            log("ATTACK: answering LAUNCHED without the locality-4 hash sequence (PCR 17-22 not reset)");
            return PREFIX + "LAUNCHED " + std::to_string(slb.length) + " " + hex(sha256(measured));
        }
        size_t chunks = proxy_.run([measured](TpmChannel& channel) { return send_hash_sequence(channel, measured); });
        log("locality-4 hash sequence sent to swtpm: CMD_HASH_START, " + std::to_string(chunks) +
            " x CMD_HASH_DATA, CMD_HASH_END (all results 0)");
        qmp_->execute("cont");
        paused = false;
        log("VM resumed (QMP cont)");
        std::string digest = hex(sha256(measured));
        log("emulated SKINIT: SLB at " + hex_number(address) + ", " + std::to_string(slb.length) +
            " bytes measured into PCR 17 at locality 4 (sha256 " + digest + ")");
        auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - received);
        char timing[64];
        std::snprintf(timing, sizeof timing, "%.1f ms", elapsed.count());
        log(std::string("emulated SKINIT took ") + timing + " from the request to LAUNCHED");
        return PREFIX + "LAUNCHED " + std::to_string(slb.length) + " " + digest;
    } catch (const std::exception& e) {
        log(std::string("emulated SKINIT failed: ") + e.what());
        if (paused) {
            try {
                qmp_->execute("cont");
                log("VM resumed (QMP cont)");
            } catch (const std::exception& again) { log(std::string("cannot resume the VM: ") + again.what()); }
        }
        return error_reply(e.what());
    }
}

}  // namespace keel::platform
