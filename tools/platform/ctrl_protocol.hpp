// swtpm's control channel (swtpm include/swtpm/tpm_ioctl.h, "non-CUSE"
// commands): a request is a u32 big-endian command code and a body; a reply
// starts with a u32 big-endian result. The channel has no length field, so
// the proxy has to know each command's request and reply sizes; the sizes
// here are those QEMU 7.2 (backends/tpm/tpm_emulator.c) sends and expects.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace keel::platform::ctrl {

enum Code : uint32_t {
    GET_CAPABILITY = 0x01,
    INIT = 0x02,
    SHUTDOWN = 0x03,
    GET_TPMESTABLISHED = 0x04,
    SET_LOCALITY = 0x05,
    HASH_START = 0x06,
    HASH_DATA = 0x07,
    HASH_END = 0x08,
    CANCEL_TPM_CMD = 0x09,
    STORE_VOLATILE = 0x0a,
    RESET_TPMESTABLISHED = 0x0b,
    GET_STATEBLOB = 0x0c,
    SET_STATEBLOB = 0x0d,
    STOP = 0x0e,
    GET_CONFIG = 0x0f,
    SET_DATAFD = 0x10,
    SET_BUFFERSIZE = 0x11,
    GET_INFO = 0x12,
    LOCK_STORAGE = 0x13,
};

constexpr size_t HASH_DATA_MAX = 4096;  // bytes per CMD_HASH_DATA
constexpr uint32_t TPM_BAD_ORDINAL = 0x0a;

std::string name(uint32_t code);

uint32_t read_be32(std::span<const uint8_t> bytes, size_t offset);

enum class Known { yes, no };
struct RequestSize {
    Known known;
    std::optional<size_t> length;  // nullopt: more bytes are needed to tell
};
// The length of the request at the start of `bytes` (code included).
RequestSize request_size(std::span<const uint8_t> bytes);

// The length of the reply to `code` whose first bytes are `reply`, or nullopt
// while more bytes are needed to tell. This is the successful reply's
// length; swtpm answers some failures with only the 4-byte result (see
// reply_may_be_short).
std::optional<size_t> reply_size(uint32_t code, std::span<const uint8_t> reply);
// True if a failed `code` may be answered by a bare 4-byte result although
// its successful reply is longer.
bool reply_may_be_short(uint32_t code);

}  // namespace keel::platform::ctrl
