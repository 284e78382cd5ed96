#include "attestation/agent/log_files.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include "attestation/agent/agent_service.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/event_types.hpp"
#include "attestation/eventlog/parser.hpp"

namespace keel::agent {
namespace {

constexpr std::uintmax_t max_log_bytes = 32u << 20;
constexpr std::uint32_t first_drtm_pcr = 17, last_drtm_pcr = 22;

eventlog::EventLog parsed(const std::filesystem::path& path, const std::string& option) {
    evidence::Bytes bytes;
    try {
        bytes = read_log(path);
    } catch (const std::runtime_error& e) { throw RequestError(option + ": " + e.what()); }
    try {
        return eventlog::parse(bytes);
    } catch (const eventlog::Error& e) {
        throw RequestError(option + " " + path.string() + ": not a TCG event log: " + e.what());
    }
}

}  // namespace

evidence::Bytes read_log(const std::filesystem::path& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw std::runtime_error("cannot read event log " + path.string() + ": " + ec.message());
    if (size > max_log_bytes)
        throw std::runtime_error("event log " + path.string() + " is larger than " + std::to_string(max_log_bytes) +
                                 " bytes");
    std::ifstream in(path, std::ios::binary);
    evidence::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw std::runtime_error("cannot read event log " + path.string());
    return bytes;
}

void check_drtm_log(const std::filesystem::path& path) {
    const auto log = parsed(path, "--drtm-log");
    if (log.format != eventlog::Format::crypto_agile)
        throw RequestError("--drtm-log " + path.string() +
                           ": a SHA-1 (TPM 1.2 format) log, not the crypto-agile log a dynamic launch writes");
    for (const auto& ev : log.events)
        if (ev.type != eventlog::ev_no_action && (ev.pcr < first_drtm_pcr || ev.pcr > last_drtm_pcr))
            throw RequestError("--drtm-log " + path.string() + ": event " + std::to_string(ev.index) + " extends PCR " +
                               std::to_string(ev.pcr) +
                               ", not a DRTM PCR (17-22): is this the firmware's log (--boot-log)?");
}

void check_boot_log(const std::filesystem::path& path) { parsed(path, "--boot-log"); }

bool is_drtm_log(const std::filesystem::path& path) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return false;
    try {
        check_drtm_log(path);
        return true;
    } catch (const std::exception&) { return false; }
}

}  // namespace keel::agent
