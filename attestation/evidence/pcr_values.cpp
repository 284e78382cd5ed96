// pcr_values_from_lists (declared in quote_check.hpp) lives apart from the
// OpenSSL code so that the tpm2-tools file parser, and its fuzz target, need
// only libtss2-mu.
#include <string>
#include <utility>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/evidence/pcr_selection_rules.hpp"
#include "attestation/evidence/quote_check.hpp"

namespace keel::evidence {

PcrValues pcr_values_from_lists(const std::vector<PcrSelection>& selection, std::vector<Bytes> digests) {
    check_selection(selection, "TPML_PCR_SELECTION");
    std::size_t selected = 0;
    for (const auto& bank : selection) selected += bank.pcrs.size();
    if (digests.size() != selected)
        throw ParseError("TPML_DIGEST: " + std::to_string(digests.size()) + " digests for a selection of " +
                         std::to_string(selected) + " PCRs");

    PcrValues values;
    auto next = digests.begin();
    for (const auto& bank : selection) {
        auto& bank_values = values[bank.hash_alg];
        if (bank.pcrs.empty()) continue;
        const std::string name = eventlog::algorithm_name(bank.hash_alg);
        const std::size_t size = eventlog::known_digest_size(bank.hash_alg);
        if (size == 0)
            throw ParseError("TPML_PCR_SELECTION: bank " + name + " is not a hash algorithm with a known digest size");
        for (std::uint32_t pcr : bank.pcrs) {
            if (next->size() != size)
                throw ParseError("TPML_DIGEST: the " + name + " value of PCR " + std::to_string(pcr) + " has " +
                                 std::to_string(next->size()) + " bytes, not " + std::to_string(size));
            bank_values.emplace(pcr, std::move(*next++));
        }
    }
    return values;
}

}  // namespace keel::evidence
