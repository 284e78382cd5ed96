// Keel's evidence wire format, version 1: what the agent returns for a
// verifier's nonce, as one JSON object whose binary members are base64 of
// standard TPM 2.0 marshalling (documented in attestation/README.md):
//
//   {"format": "keel-evidence", "version": 1,
//    "nonce": b64, "ak_name": b64 TPM2B_NAME contents,
//    "quote": {"attest": b64 TPMS_ATTEST, "signature": b64 TPMT_SIGNATURE},
//    "pcrs": {"selection": b64 TPML_PCR_SELECTION, "values": [b64 TPML_DIGEST, ...]},
//    "event_logs": {"drtm": b64 TCG log, "boot": b64 TCG log}}   (each log optional)
//
// The parser checks the JSON shape only (every member present and of its
// type, nothing unknown, nothing twice, sizes bounded); the TPM structures
// inside are parsed by tpm_types.hpp and judged by the verifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attestation/evidence/bytes.hpp"

namespace keel::evidence {

inline constexpr const char* evidence_format = "keel-evidence";
inline constexpr int evidence_version = 1;
inline constexpr std::size_t max_evidence_bytes = 96u << 20;  // two 32 MiB logs in base64 and the rest

struct EvidenceDocument {
    Bytes nonce;
    Bytes ak_name;
    Bytes attest;
    Bytes signature;
    Bytes pcr_selection;
    std::vector<Bytes> pcr_values;
    std::optional<Bytes> drtm_log;
    std::optional<Bytes> boot_log;
};

std::string write_evidence(const EvidenceDocument& evidence);  // pretty-printed JSON
// Throws ParseError naming the member: "evidence: \"quote.attest\" is not base64",
// "evidence: member \"drtm\" appears twice in \"event_logs\"".
EvidenceDocument parse_evidence(std::string_view json_text);

}  // namespace keel::evidence
