#include "tpm2_command.hpp"

namespace keel::tpm {
namespace {

constexpr uint16_t ST_NO_SESSIONS = 0x8001;
constexpr uint16_t ST_SESSIONS = 0x8002;
constexpr uint32_t CC_PCR_EXTEND = 0x182;
constexpr uint32_t CC_GET_CAPABILITY = 0x17a;
constexpr uint32_t CC_PCR_READ = 0x17e;
constexpr uint32_t CAP_PCRS = 5;
constexpr uint32_t RS_PW = 0x40000009;  // the empty password session
constexpr size_t HEADER = 10;  // tag, size, code
constexpr uint8_t PCR_SELECT_BYTES = 3;

// Appends big-endian fields; once a write does not fit, every later one is
// dropped and finish() reports 0.
class Writer {
public:
    Writer(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
    void u8(uint8_t v) {
        if (len_ >= cap_) {
            overflow_ = true;
            return;
        }
        buf_[len_++] = v;
    }
    void u16(uint16_t v) {
        u8(uint8_t(v >> 8));
        u8(uint8_t(v));
    }
    void u32(uint32_t v) {
        u16(uint16_t(v >> 16));
        u16(uint16_t(v));
    }
    void bytes(const uint8_t* p, size_t n) {
        for (size_t i = 0; i < n; ++i) u8(p[i]);
    }
    size_t finish() {
        if (overflow_ || len_ < HEADER) return 0;
        for (int i = 0; i < 4; ++i) buf_[2 + i] = uint8_t(len_ >> (24 - 8 * i));
        return len_;
    }

private:
    uint8_t* buf_;
    size_t cap_;
    size_t len_ = 0;
    bool overflow_ = false;
};

class Reader {
public:
    Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
    bool u8(uint8_t& v) {
        if (pos_ + 1 > n_) return false;
        v = p_[pos_++];
        return true;
    }
    bool u16(uint16_t& v) {
        uint8_t a, b;
        if (!u8(a) || !u8(b)) return false;
        v = uint16_t(a << 8 | b);
        return true;
    }
    bool u32(uint32_t& v) {
        uint16_t a, b;
        if (!u16(a) || !u16(b)) return false;
        v = uint32_t(a) << 16 | b;
        return true;
    }
    bool skip(size_t k) {
        if (k > n_ - pos_) return false;
        pos_ += k;
        return true;
    }
    const uint8_t* here() const { return p_ + pos_; }

private:
    const uint8_t* p_;
    size_t n_;
    size_t pos_ = 0;
};

void header(Writer& w, uint16_t tag, uint32_t code) {
    w.u16(tag);
    w.u32(0);  // size, patched by finish()
    w.u32(code);
}

void pcr_selection(Writer& w, uint16_t alg, uint32_t pcr) {
    w.u32(1);
    w.u16(alg);
    w.u8(PCR_SELECT_BYTES);
    for (uint8_t i = 0; i < PCR_SELECT_BYTES; ++i) w.u8(pcr / 8 == i ? uint8_t(1u << (pcr % 8)) : 0);
}

// Checks the header and positions `r` after it; the declared size must match.
Status open_response(const uint8_t* resp, size_t len, Reader& r) {
    uint32_t rc;
    if (Status s = response_code(resp, len, rc); s != Status::Ok) return s;
    if (rc != RC_SUCCESS) return Status::Unsupported;
    (void)r.skip(HEADER);
    return Status::Ok;
}

}  // namespace

size_t build_get_capability_pcrs(uint8_t* buf, size_t cap) {
    Writer w(buf, cap);
    header(w, ST_NO_SESSIONS, CC_GET_CAPABILITY);
    w.u32(CAP_PCRS);
    w.u32(0);  // property
    w.u32(MAX_BANKS);
    return w.finish();
}

size_t build_pcr_extend(uint8_t* buf, size_t cap, uint32_t pcr, const DigestList& digests, const size_t* sizes) {
    if (pcr >= PCR_COUNT || digests.count > MAX_BANKS) return 0;
    Writer w(buf, cap);
    header(w, ST_SESSIONS, CC_PCR_EXTEND);
    w.u32(pcr);
    w.u32(9);  // authorization area: handle, empty nonce, attributes, empty password
    w.u32(RS_PW);
    w.u16(0);
    w.u8(0);
    w.u16(0);
    w.u32(uint32_t(digests.count));
    for (size_t i = 0; i < digests.count; ++i) {
        if (sizes[i] > MAX_DIGEST) return 0;
        w.u16(digests.digests[i].alg);
        w.bytes(digests.digests[i].bytes, sizes[i]);
    }
    return w.finish();
}

size_t build_pcr_read(uint8_t* buf, size_t cap, uint16_t alg, uint32_t pcr) {
    if (pcr >= PCR_COUNT) return 0;
    Writer w(buf, cap);
    header(w, ST_NO_SESSIONS, CC_PCR_READ);
    pcr_selection(w, alg, pcr);
    return w.finish();
}

Status response_code(const uint8_t* resp, size_t len, uint32_t& rc) {
    Reader r(resp, len);
    uint16_t tag;
    uint32_t size;
    if (!r.u16(tag) || !r.u32(size) || !r.u32(rc)) return Status::Truncated;
    if (tag != ST_NO_SESSIONS && tag != ST_SESSIONS) return Status::Malformed;
    if (size != len) return size > len ? Status::Truncated : Status::Malformed;
    return Status::Ok;
}

Status parse_get_capability_pcrs(const uint8_t* resp, size_t len, BankList& out) {
    Reader r(resp, len);
    if (Status s = open_response(resp, len, r); s != Status::Ok) return s;
    uint8_t more;
    uint32_t capability, count;
    if (!r.u8(more) || !r.u32(capability) || !r.u32(count)) return Status::Truncated;
    if (capability != CAP_PCRS || count > MAX_BANKS) return Status::Malformed;
    out.count = 0;
    for (uint32_t i = 0; i < count; ++i) {
        uint16_t alg;
        uint8_t select_bytes;
        if (!r.u16(alg) || !r.u8(select_bytes)) return Status::Truncated;
        const uint8_t* select = r.here();
        if (!r.skip(select_bytes)) return Status::Truncated;
        uint32_t pcrs = 0;
        for (uint8_t b = 0; b < select_bytes && b < PCR_SELECT_BYTES; ++b) pcrs |= uint32_t(select[b]) << (8 * b);
        out.banks[out.count++] = {alg, pcrs};
    }
    return Status::Ok;
}

Status parse_pcr_read(const uint8_t* resp, size_t len, uint8_t* digest, size_t cap, size_t& size) {
    Reader r(resp, len);
    if (Status s = open_response(resp, len, r); s != Status::Ok) return s;
    uint32_t update_counter, selections, count;
    if (!r.u32(update_counter) || !r.u32(selections)) return Status::Truncated;
    if (selections > MAX_BANKS) return Status::Malformed;
    for (uint32_t i = 0; i < selections; ++i) {
        uint16_t alg;
        uint8_t select_bytes;
        if (!r.u16(alg) || !r.u8(select_bytes) || !r.skip(select_bytes)) return Status::Truncated;
    }
    if (!r.u32(count)) return Status::Truncated;
    if (count != 1) return count == 0 ? Status::NotFound : Status::Malformed;
    uint16_t n;
    if (!r.u16(n)) return Status::Truncated;
    if (n > cap || n > MAX_DIGEST) return Status::Malformed;
    const uint8_t* d = r.here();
    if (!r.skip(n)) return Status::Truncated;
    for (uint16_t i = 0; i < n; ++i) digest[i] = d[i];
    size = n;
    return Status::Ok;
}

}  // namespace keel::tpm
