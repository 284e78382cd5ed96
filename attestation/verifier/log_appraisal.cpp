#include "attestation/verifier/log_appraisal.hpp"

#include "attestation/verifier/checks.hpp"

namespace keel::verifier {

LogAppraisal appraise_logs(const Evidence& e, const Expectations& x) {
    LogAppraisal a;
    auto& c = a.checks;
    c.reserve(5);
    c.push_back(checks::drtm_launched(e, x.policy));
    std::vector<std::uint16_t> verified_banks;
    c.push_back(checks::eventlog_drtm(e, x.policy, verified_banks));
    c.push_back(checks::eventlog_boot(e));
    if (e.drtm_log) a.drtm_log = e.drtm_log->storage;
    c.push_back(checks::reference_components(e, x, verified_banks, a.components));
    c.push_back(checks::reference_required(e, x, a.components));
    return a;
}

}  // namespace keel::verifier
