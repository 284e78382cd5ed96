#include "attestation/evidence/pcr_selection_rules.hpp"

#include <string>

#include "attestation/eventlog/algorithm.hpp"

namespace keel::evidence {

PcrSelection selection_from_bitmap(std::uint16_t hash_alg, std::span<const std::uint8_t> bitmap) {
    PcrSelection s;
    s.hash_alg = hash_alg;
    for (std::size_t byte = 0; byte < bitmap.size(); ++byte)
        for (unsigned bit = 0; bit < 8; ++bit)
            if (bitmap[byte] & (1u << bit)) s.pcrs.push_back(static_cast<std::uint32_t>(byte * 8 + bit));
    return s;
}

void check_selection(std::span<const PcrSelection> selection, const char* structure) {
    for (std::size_t i = 0; i < selection.size(); ++i) {
        const auto& bank = selection[i];
        for (std::size_t j = 0; j < i; ++j)
            if (selection[j].hash_alg == bank.hash_alg)
                throw ParseError(std::string(structure) + ": bank " + eventlog::algorithm_name(bank.hash_alg) +
                                 " appears twice");
        for (std::size_t k = 0; k < bank.pcrs.size(); ++k)
            if (bank.pcrs[k] >= 32 || (k > 0 && bank.pcrs[k] <= bank.pcrs[k - 1]))
                throw ParseError(std::string(structure) + ": the PCRs of bank " +
                                 eventlog::algorithm_name(bank.hash_alg) + " are not distinct, ascending and below 32");
    }
}

}  // namespace keel::evidence
