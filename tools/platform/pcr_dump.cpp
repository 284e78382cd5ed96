#include "pcr_dump.hpp"

#include <fstream>
#include <stdexcept>

#include "log.hpp"
#include "tpm_channel.hpp"
#include "tpm_wire.hpp"

namespace keel::platform {

nlohmann::json read_drtm_pcrs(TpmChannel& channel) {
    static constexpr unsigned PCRS[] = {16, 17, 18, 19, 23};
    nlohmann::json out = nlohmann::json::object();
    for (uint16_t bank : tpm::parse_pcr_banks(channel.transact(tpm::make_get_pcr_banks()))) {
        nlohmann::json values = nlohmann::json::object();
        std::vector<unsigned> wanted(std::begin(PCRS), std::end(PCRS));
        // A TPM may return fewer PCRs than asked for; ask again for the rest.
        while (!wanted.empty()) {
            auto got = tpm::parse_pcr_read(channel.transact(tpm::make_pcr_read(bank, wanted)));
            size_t before = wanted.size();
            for (auto& [pcr, value] : got) {
                values[std::to_string(pcr)] = hex(value);
                std::erase(wanted, pcr);
            }
            if (wanted.size() == before)
                throw std::runtime_error("TPM2_PCR_Read returned none of the PCRs asked for in bank " +
                                         tpm::bank_name(bank));
        }
        out[tpm::bank_name(bank)] = values;
    }
    return out;
}

void write_pcr_dump(const std::filesystem::path& file, const nlohmann::json& pcrs) {
    std::ofstream out(file);
    out << pcrs.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace keel::platform
