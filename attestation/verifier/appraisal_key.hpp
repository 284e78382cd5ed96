// The key of a cached log appraisal (log_appraisal.hpp): SHA-256 over every
// input its checks read, each length-prefixed so no two inputs can run
// together: the DRTM and boot logs' exact bytes, the quoted selection, the
// PCR values the evidence gives, every member of the policy and of the
// reference values, and whether each was given at all. Nothing about the
// quote's signer, nonce or clock: those checks are never cached.
#pragma once

#include <array>
#include <cstdint>

#include "attestation/verifier/verifier.hpp"

namespace keel::verifier {

using AppraisalKey = std::array<std::uint8_t, 32>;

// Uses x.policy_reference_key when set (it must be policy_reference_key of
// x.policy and x.reference), else computes it.
AppraisalKey log_appraisal_key(const Evidence& e, const Expectations& x);

// SHA-256 over every member of the policy and of the reference values (and
// whether each was given): their part of log_appraisal_key, made once per
// host record instead of once per appraisal.
AppraisalKey policy_reference_key(const Policy* policy, const eventlog::ReferenceValues* reference);

}  // namespace keel::verifier
