// The agent's identity for enrolment and the credential exchange that proves
// its AK lives on the EK's TPM, as JSON with base64 members (version 1):
//   identity:   {"format": "keel-identity", "version": 1, "ek_public": b64 TPM2B_PUBLIC,
//                "ek_certificate": b64 DER (absent without one), "ak_public": b64 TPM2B_PUBLIC,
//                "ak_name": b64}
//   challenge:  {"credential_blob": b64 TPM2B_ID_OBJECT, "encrypted_secret": b64 TPM2B_ENCRYPTED_SECRET}
//   answer:     {"secret": b64}
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/make_credential.hpp"

namespace keel::evidence {

struct IdentityDocument {
    Bytes ek_public;
    std::optional<Bytes> ek_certificate;
    Bytes ak_public;
    Bytes ak_name;
};

std::string write_identity(const IdentityDocument& identity);
IdentityDocument parse_identity(std::string_view json_text);  // throws ParseError

std::string write_challenge(const Credential& credential);
Credential parse_challenge(std::string_view json_text);  // throws ParseError

std::string write_answer(const Bytes& secret);
Bytes parse_answer(std::string_view json_text);  // throws ParseError

}  // namespace keel::evidence
