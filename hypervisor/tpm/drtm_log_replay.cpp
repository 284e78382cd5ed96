#include "hypervisor/tpm/drtm_log_replay.hpp"

#include "lib/crypto/digest.hpp"

namespace keel::tpm {
namespace {

constexpr uint32_t EV_NO_ACTION = 3;
constexpr size_t SHA1_SIZE = 20;
constexpr char SPEC_ID_SIGNATURE[16] = "Spec ID Event03";

// Little-endian reads that never pass the end; after a failed read every
// later read fails too, so a caller checks ok() once per record.
class Reader {
public:
    Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
    bool ok() const { return ok_; }
    bool done() const { return at_ == n_; }
    const uint8_t* take(size_t n) {
        if (!ok_ || n > n_ - at_) {
            ok_ = false;
            return nullptr;
        }
        const uint8_t* r = p_ + at_;
        at_ += n;
        return r;
    }
    uint32_t u32() {
        const uint8_t* b = take(4);
        return b ? uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24 : 0;
    }
    uint16_t u16() {
        const uint8_t* b = take(2);
        return b ? uint16_t(b[0] | b[1] << 8) : 0;
    }
    uint8_t u8() {
        const uint8_t* b = take(1);
        return b ? b[0] : 0;
    }

private:
    const uint8_t* p_;
    size_t n_;
    size_t at_ = 0;
    bool ok_ = true;
};

Status fail(DrtmReplay& out, Status s, const char* why) {
    out.error = why;
    return s;
}

Status read_header(Reader& r, DrtmReplay& out) {
    uint32_t pcr = r.u32(), type = r.u32();
    r.take(SHA1_SIZE);
    uint32_t spec_size = r.u32();
    const uint8_t* spec = r.take(spec_size);
    if (!r.ok()) return fail(out, Status::Truncated, "the log ends inside its header");
    if (pcr != 0 || type != EV_NO_ACTION) return fail(out, Status::Malformed, "the first event is not a Spec ID event");
    Reader s(spec, spec_size);
    const uint8_t* signature = s.take(sizeof SPEC_ID_SIGNATURE);
    s.take(4 + 4);  // platform class; version and uintn size
    uint32_t count = s.u32();
    if (!s.ok()) return fail(out, Status::Truncated, "the Spec ID event is truncated");
    for (size_t i = 0; i < sizeof SPEC_ID_SIGNATURE; ++i)
        if (signature[i] != uint8_t(SPEC_ID_SIGNATURE[i]))
            return fail(out, Status::Malformed, "the header is not a crypto-agile Spec ID Event03");
    if (count == 0 || count > MAX_BANKS)
        return fail(out, Status::Malformed, "the header declares no or too many banks");
    for (uint32_t i = 0; i < count; ++i) {
        uint16_t alg = s.u16(), size = s.u16();
        if (!s.ok()) return fail(out, Status::Truncated, "the Spec ID event is truncated");
        if (!crypto::is_supported(alg) || crypto::digest_size(crypto::HashAlg(alg)) != size)
            return fail(out, Status::Malformed, "the header declares a bank Keel cannot hash");
        if (out.bank(alg)) return fail(out, Status::Malformed, "the header declares a bank twice");
        ReplayedBank& b = out.banks[out.bank_count++];
        b.alg = alg;
        b.size = size;
    }
    s.take(s.u8());  // vendor information
    if (!s.ok() || !s.done()) return fail(out, Status::Malformed, "the Spec ID event's size is wrong");
    return Status::Ok;
}

Status replay_event(Reader& r, DrtmReplay& out) {
    uint32_t pcr = r.u32(), type = r.u32(), count = r.u32();
    if (!r.ok()) return fail(out, Status::Truncated, "the log ends inside an event");
    if (count != out.bank_count) return fail(out, Status::Malformed, "an event does not carry one digest per bank");
    const uint8_t* digests[MAX_BANKS] = {};
    for (uint32_t i = 0; i < count; ++i) {
        const ReplayedBank* b = out.bank(r.u16());
        if (!r.ok()) return fail(out, Status::Truncated, "the log ends inside an event");
        if (!b) return fail(out, Status::Malformed, "an event carries a digest of an undeclared bank");
        size_t index = size_t(b - out.banks);
        if (digests[index]) return fail(out, Status::Malformed, "an event carries a bank's digest twice");
        digests[index] = r.take(b->size);
    }
    r.take(r.u32());  // event data: names and details, not needed to replay
    if (!r.ok()) return fail(out, Status::Truncated, "the log ends inside an event");
    if (type == EV_NO_ACTION) return Status::Ok;  // informational: extends nothing
    if (pcr < DRTM_FIRST_PCR || pcr >= DRTM_FIRST_PCR + DRTM_PCR_COUNT)
        return fail(out, Status::Malformed, "an event extends a PCR outside 17-22");
    for (size_t i = 0; i < out.bank_count; ++i) {
        ReplayedBank& b = out.banks[i];
        uint8_t* value = b.pcrs[pcr - DRTM_FIRST_PCR];
        crypto::Hasher h(crypto::HashAlg(b.alg));
        h.update(value, b.size);
        h.update(digests[i], b.size);
        h.finish(value);
    }
    ++out.events;
    return Status::Ok;
}

}  // namespace

const ReplayedBank* DrtmReplay::bank(uint16_t alg) const {
    for (size_t i = 0; i < bank_count; ++i)
        if (banks[i].alg == alg) return &banks[i];
    return nullptr;
}

Status replay_drtm_log(const uint8_t* log, size_t size, DrtmReplay& out) {
    out = {};  // every PCR from the locality-4 reset value: zeros
    Reader r(log, size);
    if (Status s = read_header(r, out); s != Status::Ok) return s;
    for (size_t n = 0; !r.done(); ++n) {
        if (n == MAX_REPLAYED_EVENTS) return fail(out, Status::Malformed, "the log has too many events");
        if (Status s = replay_event(r, out); s != Status::Ok) return s;
    }
    return Status::Ok;
}

}  // namespace keel::tpm
