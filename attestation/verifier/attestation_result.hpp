// The outcome of appraising one piece of evidence: every check with its
// status and a sentence, the components the DRTM log measured, and the
// verdict. Rendered for people (text) or programs (JSON, "format":
// "keel-attestation-result", "version": 1).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attestation/eventlog/log.hpp"
#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/tpm_types.hpp"

namespace keel::verifier {

using evidence::Bytes;

enum class Status { pass, fail, skipped };

// The named checks, in the order they run. A failure's `id` is one of these.
namespace check {
inline constexpr const char* ak_enrolled = "ak.enrolled";
inline constexpr const char* quote_format = "quote.format";
inline constexpr const char* quote_signature = "quote.signature";
inline constexpr const char* quote_nonce = "quote.nonce";
inline constexpr const char* quote_pcr_digest = "quote.pcr_digest";
inline constexpr const char* quote_clock = "quote.clock";
inline constexpr const char* policy_banks = "policy.banks";
inline constexpr const char* drtm_launched = "drtm.launched";
inline constexpr const char* eventlog_drtm = "eventlog.drtm";
inline constexpr const char* eventlog_boot = "eventlog.boot";
inline constexpr const char* reference_components = "reference.components";
inline constexpr const char* reference_required = "reference.required";
}  // namespace check

struct Check {
    std::string id;
    Status status = Status::skipped;
    std::string message;  // why it passed, failed or was skipped; names component, expected and actual
};

struct MeasuredComponent {
    std::size_t event = 0;  // record index in the DRTM log
    std::string name;
    std::uint32_t pcr = 0;
    std::string detail;
    std::span<const eventlog::Digest> digests;  // the log's, kept alive by AttestationResult::drtm_log
    bool in_reference = false;
    bool host_specific = false;  // matched a reference component that pins no detail or digest

    const eventlog::Digest* digest(std::uint16_t bank) const {
        for (const auto& d : digests)
            if (d.algorithm == bank) return &d;
        return nullptr;
    }
};

struct AttestationResult {
    std::string host_id;  // empty without an enrolled host
    std::vector<Check> checks;
    std::vector<MeasuredComponent> components;
    // The DRTM log's bytes and digests, which the components' digests point
    // into (copying them would cost the verifier an allocation per component).
    std::shared_ptr<const eventlog::LogStorage> drtm_log;
    std::optional<evidence::ClockInfo> clock;  // from the quote, once its signature verified
    // False in tpm2_checkquote mode (no policy): the checks made are about
    // the quote, and the host itself was not appraised. The result then
    // never says "trusted": it says what was established and what was not
    // checked.
    bool appraisal = true;
    // Set when a quoted PCR 17 whose value the PCR digest verified reads all
    // ones (the reset value of a TPM that saw no dynamic launch): why.
    std::optional<std::string> no_dynamic_launch;

    // No check failed: trusted after an appraisal; in tpm2_checkquote mode,
    // the quote verified. Checks are skipped only where the caller asked
    // for less (no reference values in tpm2_checkquote mode), never because
    // evidence is missing: missing evidence fails.
    bool trusted() const;
    const Check* find(const std::string& id) const;
};

std::string result_text(const AttestationResult& result);
// One line per check: "  fail    quote.nonce           <message>".
std::string checks_text(const std::vector<Check>& checks);
const char* status_name(Status status);
std::string result_json(const AttestationResult& result);

}  // namespace keel::verifier
