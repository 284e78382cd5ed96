// Reads the DRTM PCRs (16, 17, 18, 19, 23) of every allocated bank with the
// tool's own TPM2_GetCapability / TPM2_PCR_Read commands and writes them as
// JSON: {"sha256": {"16": "<hex>", "17": ...}, "sha1": {...}}.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

namespace keel::platform {

class TpmChannel;

nlohmann::json read_drtm_pcrs(TpmChannel& channel);
void write_pcr_dump(const std::filesystem::path& file, const nlohmann::json& pcrs);

}  // namespace keel::platform
