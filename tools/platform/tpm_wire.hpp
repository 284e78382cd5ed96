// TPM 2.0 command and response framing (u16 tag, u32 big-endian size, u32
// code), and the few commands the tool sends itself: TPM2_GetCapability for
// the allocated PCR banks and TPM2_PCR_Read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace keel::platform::tpm {

using Bytes = std::vector<uint8_t>;

constexpr size_t HEADER_SIZE = 10;
constexpr size_t LOCAL_COMMAND_MAX = 4096;  // what tpm.sock accepts
constexpr uint16_t ST_NO_SESSIONS = 0x8001, ST_SESSIONS = 0x8002;
constexpr uint16_t ALG_SHA1 = 0x0004, ALG_SHA256 = 0x000b, ALG_SHA384 = 0x000c, ALG_SHA512 = 0x000d,
                   ALG_SM3_256 = 0x0012;

// The size field of the frame starting `bytes`, once its first 6 bytes are there.
std::optional<uint32_t> frame_size(std::span<const uint8_t> bytes);
// Why `header` (at least 10 bytes) does not start a command a local client
// may send, or empty if it does.
std::string check_local_command(std::span<const uint8_t> header);
uint32_t response_code(std::span<const uint8_t> response);

std::string bank_name(uint16_t alg);  // "sha256"; "alg 0x..." if unknown

Bytes make_get_pcr_banks();
// The banks that have at least one PCR allocated, from a GetCapability(TPM_CAP_PCRS) response.
std::vector<uint16_t> parse_pcr_banks(std::span<const uint8_t> response);

Bytes make_pcr_read(uint16_t alg, std::span<const unsigned> pcrs);
// PCR index -> value for the PCRs the response holds; throws on a malformed response.
std::map<unsigned, Bytes> parse_pcr_read(std::span<const uint8_t> response);

}  // namespace keel::platform::tpm
