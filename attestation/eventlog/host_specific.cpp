#include "attestation/eventlog/host_specific.hpp"

#include <algorithm>

#include "attestation/eventlog/evp.hpp"

namespace keel::eventlog {

std::string detail_digest_problem(const Event& e, const std::vector<AlgorithmId>& banks) {
    if (!e.keel) return "its data is not a Keel event's: " + e.problem;
    for (auto bank : banks) {
        const auto* md = evp::fetched_md(bank);
        const auto* d = e.digest(bank);
        if (!md) return "its " + algorithm_name(bank) + " digest cannot be computed here";
        if (!d) return "it carries no " + algorithm_name(bank) + " digest";
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!EVP_Digest(e.keel->detail.data(), e.keel->detail.size(), out, &n, md, nullptr))
            return "its " + algorithm_name(bank) + " digest cannot be computed here";
        if (!std::equal(out, out + n, d->value.begin(), d->value.end()))
            return "its " + algorithm_name(bank) +
                   " digest is not the hash of its detail: the detail is not what "
                   "was measured";
    }
    return "";
}

}  // namespace keel::eventlog
