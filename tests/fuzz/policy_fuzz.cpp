// libFuzzer target: the policy parser and the evidence and identity document
// parsers (JSON from outside the verifier) must, for any text, return a
// well-formed result or throw their parse error; never crash. A policy that
// parses must survive a round trip through write_policy unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/identity_document.hpp"
#include "attestation/verifier/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    // The first byte chooses the parser, so one corpus covers all three.
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
    case 0:
        try {
            auto policy = keel::verifier::parse_policy(text);
            auto again = keel::verifier::parse_policy(keel::verifier::write_policy(policy));
            if (again.required_banks != policy.required_banks || again.require_drtm != policy.require_drtm ||
                again.required_components != policy.required_components)
                abort();
        } catch (const keel::verifier::PolicyError&) {}
        break;
    case 1:
        try {
            auto e = keel::evidence::parse_evidence(text);
            auto again = keel::evidence::parse_evidence(keel::evidence::write_evidence(e));
            if (again.attest != e.attest || again.pcr_values != e.pcr_values || again.drtm_log != e.drtm_log) abort();
        } catch (const keel::evidence::ParseError&) {}
        break;
    default: try { keel::evidence::parse_identity(text);
        } catch (const keel::evidence::ParseError&) {}
        try {
            keel::evidence::parse_challenge(text);
        } catch (const keel::evidence::ParseError&) {}
        break;
    }
    return 0;
}
