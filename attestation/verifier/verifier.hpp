// The verifier: appraises evidence against what the verifier expects
// (nonce, AK, earlier clock values) and its policy and reference values.
// Checks run in a fixed order (attestation_result.hpp lists them); each
// reports pass, fail or skipped with a sentence. Nothing from the event logs
// is reported as a measured component unless the log parsed; whether it is
// believable follows from the eventlog.* checks, which compare its replay
// with PCR values the signature covers.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "attestation/eventlog/log.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/evidence/quote_check.hpp"
#include "attestation/evidence/tpm_types.hpp"
#include "attestation/verifier/attestation_result.hpp"
#include "attestation/verifier/policy.hpp"

namespace keel::verifier {

// Evidence with every structure parsed (from untrusted bytes: building one
// throws evidence::ParseError or eventlog::ParseError on malformed input).
struct Evidence {
    Bytes attest_bytes;  // what the signature covers
    evidence::Attest attest;
    evidence::Signature signature;
    std::vector<evidence::PcrSelection> pcr_selection;
    evidence::PcrValues pcr_values;
    std::optional<Bytes> ak_name;  // the AK the agent says signed
    // Shared: evidence that repeats a log seen before shares its parse
    // (parse_evidence with a cache).
    std::shared_ptr<const eventlog::EventLog> drtm_log;
    std::shared_ptr<const eventlog::EventLog> boot_log;
};

// A Keel DRTM log has a handful of events; a firmware log a few hundred.
// Evidence is parsed before its signature is checked, so anyone on the path
// can send it: more events than this is malformed, not worth the memory.
inline constexpr std::size_t max_drtm_log_events = 4096;
inline constexpr std::size_t max_boot_log_events = 100'000;

class AppraisalCache;

// With a cache, a log whose bytes (by SHA-256) parsed before is taken from
// it instead of parsed again: the parse is a function of the bytes alone,
// so those bytes are not malformed (the event limit is checked again, as
// it differs between DRTM and boot logs).
Evidence parse_evidence(const evidence::EvidenceDocument& document, AppraisalCache* parsed_logs = nullptr);
// An event log as evidence: parsed, and refused with more than `max_events` events.
eventlog::EventLog parse_log_evidence(std::span<const std::uint8_t> bytes, std::size_t max_events, const char* what);
// TPMS_ATTEST as evidence: a structure without TPM_GENERATED_VALUE is not
// one a TPM made, so it is malformed input (ParseError), not a failed check.
evidence::Attest parse_attest_evidence(std::span<const std::uint8_t> bytes);

struct Expectations {
    Bytes nonce;  // the verifier's own
    EVP_PKEY* ak = nullptr;  // the key quotes must be signed with
    // The same key's public area, when the caller has it (a TPM2B_PUBLIC):
    // quote.signature then fails unless it is a restricted signing key. A PEM
    // key shows no attributes (nullptr): accepted as tpm2_checkquote does, and
    // the check's message says the attributes were not checked.
    const evidence::TpmPublic* ak_public = nullptr;
    std::optional<Bytes> enrolled_ak_name;  // set for an enrolled host: evidence must name this AK
    std::optional<evidence::ClockInfo> last_clock;  // the last quote accepted from this host
    // With a policy, Keel's full appraisal runs: DRTM, logs, reference values.
    // Without one (tpm2_checkquote mode), only the quote checks run, plus log
    // replay and reference checks for what the caller supplied.
    const Policy* policy = nullptr;
    const eventlog::ReferenceValues* reference = nullptr;
    // With a cache (verify()): policy_reference_key(policy, reference)
    // (appraisal_key.hpp), made when they were; the caller keeps it with
    // them, so it never names other values. nullptr: computed per call.
    const std::array<std::uint8_t, 32>* policy_reference_key = nullptr;
    std::string host_id;
    std::string enrollment_note;  // appended to ak.enrolled's message, e.g. that the EK is not certified
    // tpm2_checkquote mode: -g names the hash the user expects (like
    // tpm2_checkquote, a different one in the signature is noted, not
    // refused: the signature says which hash it used, and the digest covers
    // it); without -f no PCR values are given, so the PCR digest is not checked.
    std::optional<std::uint16_t> signature_hash;
    // The signature was a bare one (tpm2_quote -f plain): its scheme and hash
    // came from the key and -g (or its default), not from the file.
    bool plain_signature = false;
    bool pcr_values_given = true;
};

// With a cache, the checks of the event logs (log_appraisal.hpp) are taken
// from it when the same logs, PCR values, policy and reference values were
// appraised before, and kept there when not; the quote's checks run every
// time. The result is the same either way.
AttestationResult verify(const Evidence& evidence, const Expectations& expect, AppraisalCache* cache = nullptr);

}  // namespace keel::verifier
