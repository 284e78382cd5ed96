#include "tpm_wire.hpp"

#include <stdexcept>

#include "log.hpp"

namespace keel::platform::tpm {
namespace {

constexpr uint32_t CC_GET_CAPABILITY = 0x17a, CC_PCR_READ = 0x17e;
constexpr uint32_t CAP_PCRS = 5;
constexpr size_t PCR_SELECT_MAX = 4;  // 32 PCRs

class Writer {
public:
    explicit Writer(uint16_t tag, uint32_t code) {
        u16(tag);
        u32(0);  // size, patched by done()
        u32(code);
    }
    Writer& u8(uint8_t v) {
        out_.push_back(v);
        return *this;
    }
    Writer& u16(uint16_t v) { return u8(uint8_t(v >> 8)).u8(uint8_t(v)); }
    Writer& u32(uint32_t v) { return u16(uint16_t(v >> 16)).u16(uint16_t(v)); }
    Bytes done() {
        uint32_t size = uint32_t(out_.size());
        for (int i = 0; i < 4; ++i) out_[2 + i] = uint8_t(size >> (24 - 8 * i));
        return out_;
    }

private:
    Bytes out_;
};

// Bounds-checked reading of a response; any overrun is a malformed response.
class Reader {
public:
    explicit Reader(std::span<const uint8_t> bytes, const char* what) : bytes_(bytes), what_(what) {}
    uint8_t u8() { return take(1)[0]; }
    uint16_t u16() {
        auto b = take(2);
        return uint16_t(b[0] << 8 | b[1]);
    }
    uint32_t u32() {
        auto b = take(4);
        return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
    }
    std::span<const uint8_t> take(size_t n) {
        if (bytes_.size() - pos_ < n) throw std::runtime_error(std::string("truncated ") + what_ + " response");
        auto out = bytes_.subspan(pos_, n);
        pos_ += n;
        return out;
    }

private:
    std::span<const uint8_t> bytes_;
    const char* what_;
    size_t pos_ = 0;
};

// Skips the header after checking the response's size field and code.
Reader open_response(std::span<const uint8_t> response, const char* what) {
    Reader r(response, what);
    r.u16();
    if (r.u32() != response.size()) throw std::runtime_error(std::string(what) + " response: size field mismatch");
    if (uint32_t rc = r.u32(); rc != 0)
        throw std::runtime_error(std::string(what) + " failed with TPM response code " + hex_number(rc));
    return r;
}

struct Selection {
    uint16_t alg;
    std::vector<unsigned> pcrs;
};

std::vector<Selection> read_pcr_selections(Reader& r) {
    std::vector<Selection> out;
    uint32_t count = r.u32();
    if (count > 16) throw std::runtime_error("implausible PCR selection count");
    for (uint32_t i = 0; i < count; ++i) {
        Selection s{r.u16(), {}};
        uint8_t size = r.u8();
        auto bits = r.take(size);
        for (unsigned pcr = 0; pcr < 8u * size; ++pcr)
            if (bits[pcr / 8] & (1u << (pcr % 8))) s.pcrs.push_back(pcr);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

std::optional<uint32_t> frame_size(std::span<const uint8_t> b) {
    if (b.size() < 6) return std::nullopt;
    return uint32_t(b[2]) << 24 | uint32_t(b[3]) << 16 | uint32_t(b[4]) << 8 | b[5];
}

uint32_t response_code(std::span<const uint8_t> b) {
    if (b.size() < HEADER_SIZE) return 0xffffffff;
    return uint32_t(b[6]) << 24 | uint32_t(b[7]) << 16 | uint32_t(b[8]) << 8 | b[9];
}

std::string check_local_command(std::span<const uint8_t> header) {
    uint16_t tag = uint16_t(header[0] << 8 | header[1]);
    if (tag != ST_NO_SESSIONS && tag != ST_SESSIONS) return "tag " + hex_number(tag) + " is not a TPM 2.0 command tag";
    uint32_t size = *frame_size(header);
    if (size < HEADER_SIZE) return "size field " + std::to_string(size) + " is smaller than the header";
    if (size > LOCAL_COMMAND_MAX)
        return "size field " + std::to_string(size) + " exceeds " + std::to_string(LOCAL_COMMAND_MAX) + " bytes";
    return {};
}

std::string bank_name(uint16_t alg) {
    switch (alg) {
    case ALG_SHA1: return "sha1";
    case ALG_SHA256: return "sha256";
    case ALG_SHA384: return "sha384";
    case ALG_SHA512: return "sha512";
    case ALG_SM3_256: return "sm3_256";
    default: return "alg " + hex_number(alg);
    }
}

Bytes make_get_pcr_banks() { return Writer(ST_NO_SESSIONS, CC_GET_CAPABILITY).u32(CAP_PCRS).u32(0).u32(1).done(); }

std::vector<uint16_t> parse_pcr_banks(std::span<const uint8_t> response) {
    Reader r = open_response(response, "TPM2_GetCapability");
    r.u8();  // moreData
    if (r.u32() != CAP_PCRS) throw std::runtime_error("TPM2_GetCapability answered another capability");
    std::vector<uint16_t> banks;
    for (auto& s : read_pcr_selections(r))
        if (!s.pcrs.empty()) banks.push_back(s.alg);
    return banks;
}

Bytes make_pcr_read(uint16_t alg, std::span<const unsigned> pcrs) {
    uint8_t bits[PCR_SELECT_MAX] = {};
    for (unsigned pcr : pcrs) {
        if (pcr >= 8 * PCR_SELECT_MAX) throw std::invalid_argument("PCR index out of range");
        bits[pcr / 8] |= uint8_t(1u << (pcr % 8));
    }
    Writer w(ST_NO_SESSIONS, CC_PCR_READ);
    w.u32(1).u16(alg).u8(3);  // PC Client TPMs have 24 PCRs: three select bytes
    for (int i = 0; i < 3; ++i) w.u8(bits[i]);
    return w.done();
}

std::map<unsigned, Bytes> parse_pcr_read(std::span<const uint8_t> response) {
    Reader r = open_response(response, "TPM2_PCR_Read");
    r.u32();  // pcrUpdateCounter
    auto selections = read_pcr_selections(r);
    uint32_t count = r.u32();
    std::vector<unsigned> order;
    for (auto& s : selections) order.insert(order.end(), s.pcrs.begin(), s.pcrs.end());
    if (selections.size() > 1 || count != order.size())
        throw std::runtime_error("TPM2_PCR_Read: digests do not match the selection");
    std::map<unsigned, Bytes> values;
    for (unsigned pcr : order) {
        auto digest = r.take(r.u16());
        values[pcr] = Bytes(digest.begin(), digest.end());
    }
    return values;
}

}  // namespace keel::platform::tpm
