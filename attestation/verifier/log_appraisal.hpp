// The part of an appraisal that reads the event logs: drtm.launched,
// eventlog.drtm, eventlog.boot, reference.components, reference.required.
// Its outcome is a function of the logs' bytes, the quoted selection and the
// PCR values the evidence gives, the policy and the reference values, and
// of nothing else (appraisal_key.hpp hashes exactly these), so a fleet of
// identical hosts can share it (appraisal_cache.hpp). Whether the PCR values
// are the ones the TPM quoted is quote.pcr_digest's question, asked of
// every piece of evidence in verify().
#pragma once

#include <memory>
#include <vector>

#include "attestation/verifier/verifier.hpp"

namespace keel::verifier {

struct LogAppraisal {
    std::vector<Check> checks;  // in verify()'s order, from drtm.launched to reference.required
    std::vector<MeasuredComponent> components;  // their digests point into drtm_log
    std::shared_ptr<const eventlog::LogStorage> drtm_log;
};

LogAppraisal appraise_logs(const Evidence& e, const Expectations& x);

}  // namespace keel::verifier
