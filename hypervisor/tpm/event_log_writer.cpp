#include "event_log_writer.hpp"

namespace keel::tpm {
namespace {

constexpr char SPEC_ID_SIGNATURE[16] = "Spec ID Event03";
constexpr uint8_t SPEC_VERSION_MAJOR = 2, SPEC_VERSION_MINOR = 0, SPEC_ERRATA = 2;
constexpr uint8_t UINTN_SIZE_64 = 2;
constexpr size_t SHA1_SIZE = 20;

}  // namespace

void EventLogWriter::put(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) buf_[len_++] = b[i];
}
void EventLogWriter::put_u16(uint16_t v) {
    put_u8(uint8_t(v));
    put_u8(uint8_t(v >> 8));
}
void EventLogWriter::put_u32(uint32_t v) {
    put_u16(uint16_t(v));
    put_u16(uint16_t(v >> 16));
}

Status EventLogWriter::init(uint8_t* buf, size_t cap, const uint16_t* algs, const size_t* sizes, size_t count) {
    if (count == 0 || count > MAX_BANKS) return Status::BadArgument;
    size_t spec_id = sizeof SPEC_ID_SIGNATURE + 4 + 4 + 4 + count * 4 + 1;
    size_t header = 4 + 4 + SHA1_SIZE + 4 + spec_id;
    if (cap < header) return Status::OutOfMemory;
    buf_ = buf;
    cap_ = cap;
    len_ = 0;
    count_ = count;
    for (size_t i = 0; i < count; ++i) {
        if (sizes[i] > MAX_DIGEST) return Status::BadArgument;
        algs_[i] = algs[i];
        sizes_[i] = sizes[i];
    }
    // TCG_PCR_EVENT: PCR 0, EV_NO_ACTION, a zero SHA-1 digest, then the
    // TCG_EfiSpecIDEventStruct as its data.
    put_u32(0);
    put_u32(EV_NO_ACTION);
    for (size_t i = 0; i < SHA1_SIZE; ++i) put_u8(0);
    put_u32(uint32_t(spec_id));
    put(SPEC_ID_SIGNATURE, sizeof SPEC_ID_SIGNATURE);
    put_u32(0);  // platform class: client
    put_u8(SPEC_VERSION_MINOR);
    put_u8(SPEC_VERSION_MAJOR);
    put_u8(SPEC_ERRATA);
    put_u8(UINTN_SIZE_64);
    put_u32(uint32_t(count));
    for (size_t i = 0; i < count; ++i) {
        put_u16(algs[i]);
        put_u16(uint16_t(sizes[i]));
    }
    put_u8(0);  // no vendor information
    return Status::Ok;
}

// TCG_PCR_EVENT2 up to its data: PCR, type, digest count, each digest with
// its algorithm, the data's size.
size_t EventLogWriter::header_size() const {
    size_t n = 4 + 4 + 4 + 4;
    for (size_t i = 0; i < count_; ++i) n += 2 + sizes_[i];
    return n;
}

uint8_t* EventLogWriter::data_slot(size_t& room) const {
    room = 0;
    if (!buf_ || header_size() > cap_ - len_) return nullptr;
    room = cap_ - len_ - header_size();
    return buf_ + len_ + header_size();
}

bool EventLogWriter::matches_banks(const DigestList& digests) const {
    if (!buf_ || digests.count != count_) return false;
    for (size_t i = 0; i < count_; ++i)
        if (digests.digests[i].alg != algs_[i]) return false;
    return true;
}

Status EventLogWriter::append_in_place(uint32_t pcr, uint32_t type, const DigestList& digests, size_t size) {
    if (!matches_banks(digests)) return Status::BadArgument;
    size_t room;
    if (!data_slot(room) || size > room || size > UINT32_MAX) return Status::OutOfMemory;
    put_u32(pcr);
    put_u32(type);
    put_u32(uint32_t(count_));
    for (size_t i = 0; i < count_; ++i) {
        put_u16(algs_[i]);
        put(digests.digests[i].bytes, sizes_[i]);
    }
    put_u32(uint32_t(size));
    len_ += size;  // the data is in place already
    return Status::Ok;
}

Status EventLogWriter::append(uint32_t pcr, uint32_t type, const DigestList& digests, const uint8_t* data,
                              size_t size) {
    if (!matches_banks(digests)) return Status::BadArgument;
    size_t room;
    uint8_t* slot = data_slot(room);
    if (!slot || size > room) return Status::OutOfMemory;
    for (size_t i = 0; i < size; ++i) slot[i] = data[i];
    return append_in_place(pcr, type, digests, size);
}

}  // namespace keel::tpm
