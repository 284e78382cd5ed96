// Builds synthetic TCG event logs for the tests: a crypto-agile log with a
// Spec ID header and TCG_PCR_EVENT2 records, or a SHA-1 log, with digests
// computed over the event data (or given explicitly, to build broken logs).
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/log.hpp"

namespace keel::test {

using eventlog::AlgorithmId;
using eventlog::AlgorithmSpec;
using eventlog::Bytes;

inline Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// `name` NUL `detail`, the data of a Keel DRTM event.
inline Bytes keel_data(std::string_view name, std::string_view detail) {
    Bytes b = bytes(name);
    b.push_back(0);
    b.insert(b.end(), detail.begin(), detail.end());
    return b;
}

inline Bytes hash(AlgorithmId alg, const Bytes& data) {
    const char* name = alg == eventlog::alg_sha1     ? "SHA1"
                       : alg == eventlog::alg_sha256 ? "SHA256"
                       : alg == eventlog::alg_sha384 ? "SHA384"
                       : alg == eventlog::alg_sha512 ? "SHA512"
                                                     : nullptr;
    if (!name) throw std::invalid_argument("no hash for this algorithm in the test builder");
    Bytes out(EVP_MAX_MD_SIZE);
    std::size_t len = 0;
    if (!EVP_Q_digest(nullptr, name, nullptr, data.data(), data.size(), out.data(), &len))
        throw std::runtime_error("EVP_Q_digest failed");
    out.resize(len);
    return out;
}

// PCR extend, an oracle independent of the replay under test.
inline Bytes extend(AlgorithmId alg, Bytes pcr, const Bytes& digest) {
    pcr.insert(pcr.end(), digest.begin(), digest.end());
    return hash(alg, pcr);
}

inline void put_u8(Bytes& b, std::uint8_t v) { b.push_back(v); }
inline void put_u16(Bytes& b, std::uint16_t v) {
    for (int i = 0; i < 2; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put_u32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

class LogBuilder {
public:
    static std::vector<AlgorithmSpec> drtm_banks() {
        return {{eventlog::alg_sha1, 20}, {eventlog::alg_sha256, 32}, {eventlog::alg_sha384, 48}};
    }

    // A crypto-agile log declaring `banks`.
    explicit LogBuilder(std::vector<AlgorithmSpec> banks = drtm_banks(),
                        std::string signature = std::string("Spec ID Event03\0", 16))
        : banks_(std::move(banks)) {
        Bytes spec = bytes(signature);
        put_u32(spec, 0);  // platform class
        put_u8(spec, 0);  // version minor
        put_u8(spec, 2);  // version major
        put_u8(spec, 0);  // errata
        put_u8(spec, 2);  // uintnSize: UINT64
        put_u32(spec, static_cast<std::uint32_t>(banks_.size()));
        for (const auto& b : banks_) {
            put_u16(spec, b.id);
            put_u16(spec, b.digest_size);
        }
        put_u8(spec, 0);  // no vendor info
        sha1_record(0, eventlog::ev_no_action, Bytes(20, 0), spec);
    }

    // A SHA-1 legacy log: no header, records added with sha1_event().
    static LogBuilder sha1_log() { return LogBuilder(Legacy{}); }

    // An event with a digest of the data in every declared bank.
    LogBuilder& event(std::uint32_t pcr, std::uint32_t type, const Bytes& data) {
        std::vector<std::pair<AlgorithmId, Bytes>> digests;
        for (const auto& b : banks_) digests.emplace_back(b.id, hash(b.id, data));
        return event(pcr, type, digests, data);
    }

    // An event with exactly these digests (any count, any algorithm).
    LogBuilder& event(std::uint32_t pcr, std::uint32_t type, const std::vector<std::pair<AlgorithmId, Bytes>>& digests,
                      const Bytes& data) {
        boundaries_.push_back(log_.size());
        put_u32(log_, pcr);
        put_u32(log_, type);
        put_u32(log_, static_cast<std::uint32_t>(digests.size()));
        for (const auto& [alg, value] : digests) {
            put_u16(log_, alg);
            put(log_, value);
        }
        put_u32(log_, static_cast<std::uint32_t>(data.size()));
        put(log_, data);
        return *this;
    }

    LogBuilder& sha1_event(std::uint32_t pcr, std::uint32_t type, const Bytes& data) {
        return sha1_record(pcr, type, hash(eventlog::alg_sha1, data), data);
    }

    LogBuilder& raw(const Bytes& more) {
        put(log_, more);
        return *this;
    }

    const Bytes& build() const { return log_; }
    // Offsets where records begin, and the end of the log.
    std::vector<std::size_t> boundaries() const {
        auto b = boundaries_;
        b.push_back(log_.size());
        return b;
    }

private:
    struct Legacy {};
    explicit LogBuilder(Legacy) : banks_{{eventlog::alg_sha1, 20}} {}

    LogBuilder& sha1_record(std::uint32_t pcr, std::uint32_t type, const Bytes& digest, const Bytes& data) {
        boundaries_.push_back(log_.size());
        put_u32(log_, pcr);
        put_u32(log_, type);
        put(log_, digest);
        put_u32(log_, static_cast<std::uint32_t>(data.size()));
        put(log_, data);
        return *this;
    }

    std::vector<AlgorithmSpec> banks_;
    Bytes log_;
    std::vector<std::size_t> boundaries_;
};

// A Keel-style DRTM log: the SLB (PCR 17), the launch manifest (PCR 18), the
// hypervisor with its command line (PCR 17) and a guest (PCR 19).
inline LogBuilder keel_drtm_log(std::vector<AlgorithmSpec> banks = LogBuilder::drtm_banks()) {
    LogBuilder b(std::move(banks));
    b.event(17, eventlog::keel_ev_skinit, keel_data("slb", ""))
        .event(18, eventlog::keel_ev_launch_manifest, keel_data("manifest", "policy v1"))
        .event(17, eventlog::keel_ev_component, keel_data("hypervisor", "debug-exit=0xf4"))
        .event(19, eventlog::keel_ev_component, keel_data("guest", "guest my-guest"));
    return b;
}

}  // namespace keel::test
