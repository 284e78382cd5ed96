#include "ctrl_protocol.hpp"

namespace keel::platform::ctrl {

std::string name(uint32_t code) {
    switch (code) {
    case GET_CAPABILITY: return "CMD_GET_CAPABILITY";
    case INIT: return "CMD_INIT";
    case SHUTDOWN: return "CMD_SHUTDOWN";
    case GET_TPMESTABLISHED: return "CMD_GET_TPMESTABLISHED";
    case SET_LOCALITY: return "CMD_SET_LOCALITY";
    case HASH_START: return "CMD_HASH_START";
    case HASH_DATA: return "CMD_HASH_DATA";
    case HASH_END: return "CMD_HASH_END";
    case CANCEL_TPM_CMD: return "CMD_CANCEL_TPM_CMD";
    case STORE_VOLATILE: return "CMD_STORE_VOLATILE";
    case RESET_TPMESTABLISHED: return "CMD_RESET_TPMESTABLISHED";
    case GET_STATEBLOB: return "CMD_GET_STATEBLOB";
    case SET_STATEBLOB: return "CMD_SET_STATEBLOB";
    case STOP: return "CMD_STOP";
    case GET_CONFIG: return "CMD_GET_CONFIG";
    case SET_DATAFD: return "CMD_SET_DATAFD";
    case SET_BUFFERSIZE: return "CMD_SET_BUFFERSIZE";
    case GET_INFO: return "CMD_GET_INFO";
    case LOCK_STORAGE: return "CMD_LOCK_STORAGE";
    default: return "control command " + std::to_string(code);
    }
}

uint32_t read_be32(std::span<const uint8_t> b, size_t at) {
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

RequestSize request_size(std::span<const uint8_t> bytes) {
    if (bytes.size() < 4) return {Known::yes, std::nullopt};
    // A fixed body, or a fixed header whose u32 at `length_at` counts the data that follows.
    auto fixed = [](size_t body) { return RequestSize{Known::yes, 4 + body}; };
    auto counted = [&bytes](size_t header, size_t length_at) -> RequestSize {
        if (bytes.size() < 4 + header) return {Known::yes, std::nullopt};
        return {Known::yes, 4 + header + size_t(read_be32(bytes, 4 + length_at))};
    };
    switch (read_be32(bytes, 0)) {
    case GET_CAPABILITY:
    case SHUTDOWN:
    case GET_TPMESTABLISHED:
    case HASH_START:
    case HASH_END:
    case CANCEL_TPM_CMD:
    case STORE_VOLATILE:
    case STOP:
    case GET_CONFIG:
    case SET_DATAFD: return fixed(0);
    case INIT:  // u32 init flags
    case SET_LOCALITY:  // u8 locality, padded to the union's 4 bytes
    case RESET_TPMESTABLISHED:  // u8 locality, padded likewise
    case SET_BUFFERSIZE:  // u32 buffer size
    case LOCK_STORAGE: return fixed(4);  // u32 retries
    case GET_STATEBLOB: return fixed(12);  // flags, type, offset
    case GET_INFO: return fixed(16);  // u64 flags, offset, pad
    case HASH_DATA: return counted(4, 0);  // u32 length, data
    case SET_STATEBLOB: return counted(12, 8);  // flags, type, length, data
    default: return {Known::no, std::nullopt};
    }
}

std::optional<size_t> reply_size(uint32_t code, std::span<const uint8_t> reply) {
    switch (code) {
    case GET_CAPABILITY: return 8;  // u64 capability bits, no result
    case GET_TPMESTABLISHED: return 8;  // result, u8 bit, padding
    case GET_CONFIG: return 8;  // result, flags
    case SET_BUFFERSIZE: return 16;  // result, size, minimum, maximum
    case GET_STATEBLOB:  // result, flags, total length, length, blob (on success)
        if (reply.size() < 16) return std::nullopt;
        return read_be32(reply, 0) == 0 ? 16 + size_t(read_be32(reply, 12)) : 16;
    case GET_INFO:  // result, total length, length, text
        if (reply.size() < 12) return std::nullopt;
        return 12 + size_t(read_be32(reply, 8));
    default: return 4;
    }
}

bool reply_may_be_short(uint32_t code) {
    return code == GET_TPMESTABLISHED || code == SET_BUFFERSIZE || code == GET_STATEBLOB || code == GET_INFO;
}

}  // namespace keel::platform::ctrl
