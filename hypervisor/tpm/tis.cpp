#include "tis.hpp"

#include "../arch/x86/cpu.hpp"
#include "tpm_mmio.hpp"

namespace keel::tpm {
namespace {

constexpr uint32_t ACCESS = 0x00;
constexpr uint32_t STS = 0x18;
constexpr uint32_t DATA_FIFO = 0x24;
constexpr uint32_t DID_VID = 0xf00;

constexpr uint8_t ACCESS_REQUEST_USE = 0x02;
constexpr uint8_t ACCESS_SEIZE = 0x08;
constexpr uint8_t ACCESS_ACTIVE_LOCALITY = 0x20;
constexpr uint8_t ACCESS_VALID = 0x80;

constexpr uint8_t STS_VALID = 0x80;
constexpr uint8_t STS_COMMAND_READY = 0x40;
constexpr uint8_t STS_GO = 0x20;
constexpr uint8_t STS_DATA_AVAIL = 0x10;
constexpr uint8_t STS_EXPECT = 0x08;

// No timer is running in the secure loader, so waits are bounded by a
// count: generous enough for the TIS spec's 2 s TIMEOUT_B on a slow LPC bus.
constexpr uint32_t POLL_LIMIT = 50'000'000;
constexpr uint32_t SEIZE_AFTER = 100'000;  // polls before a request for use becomes a seizure
constexpr size_t RESPONSE_HEADER = 10;

}  // namespace

bool Tis::present() { return vendor_device() != 0xffffffff && vendor_device() != 0; }

uint32_t Tis::vendor_device() { return *reinterpret_cast<volatile uint32_t*>(TIS_BASE + DID_VID); }

volatile uint8_t* Tis::reg(uint32_t offset) const {
    return reinterpret_cast<volatile uint8_t*>(TIS_BASE + locality_ * LOCALITY_SIZE + offset);
}

uint8_t Tis::status() const { return *reg(STS); }

uint16_t Tis::burst_count() const { return uint16_t(*reg(STS + 1) | *reg(STS + 2) << 8); }

bool Tis::wait_status(uint8_t mask, uint8_t value) const {
    for (uint32_t i = 0; i < POLL_LIMIT; ++i) {
        if ((status() & mask) == value) return true;
        x86::pause();
    }
    return false;
}

Status Tis::request_locality() {
    constexpr uint8_t granted = ACCESS_VALID | ACCESS_ACTIVE_LOCALITY;
    if ((*reg(ACCESS) & granted) == granted) return Status::Ok;
    // Firmware often leaves locality 0 active; a request waits until the
    // holder lets go, so let go on behalf of the lower localities first.
    for (uint8_t l = 0; l < locality_; ++l)
        *reinterpret_cast<volatile uint8_t*>(TIS_BASE + l * LOCALITY_SIZE + ACCESS) = ACCESS_ACTIVE_LOCALITY;
    *reg(ACCESS) = ACCESS_REQUEST_USE;
    for (uint32_t i = 0; i < POLL_LIMIT; ++i) {
        if ((*reg(ACCESS) & granted) == granted) return Status::Ok;
        // A lower locality that asks again at once (a guest holding locality
        // 0 may) is granted before this request: a higher locality seizes
        // the TPM from it, which aborts whatever command it had begun.
        if (i == SEIZE_AFTER && locality_ > 0) *reg(ACCESS) = ACCESS_SEIZE;
        x86::pause();
    }
    return Status::Unsupported;
}

void Tis::release_locality() { *reg(ACCESS) = ACCESS_ACTIVE_LOCALITY; }

Status Tis::transmit(const uint8_t* cmd, size_t len, uint8_t* resp, size_t cap, size_t& resp_len) {
    resp_len = 0;
    if (len < RESPONSE_HEADER || cap < RESPONSE_HEADER) return Status::BadArgument;
    *reg(STS) = STS_COMMAND_READY;
    if (!wait_status(STS_COMMAND_READY, STS_COMMAND_READY)) return Status::Unsupported;

    // All bytes but the last, as fast as the burst count allows; the TPM
    // must still expect more afterwards, and no more after the last one.
    size_t sent = 0;
    while (sent < len - 1) {
        uint16_t burst = burst_count();
        for (uint32_t spins = 0; burst == 0 && spins < POLL_LIMIT; ++spins) {
            x86::pause();
            burst = burst_count();
        }
        if (burst == 0) return Status::Unsupported;
        for (; burst > 0 && sent < len - 1; --burst) *reg(DATA_FIFO) = cmd[sent++];
    }
    if (!wait_status(STS_VALID, STS_VALID) || !(status() & STS_EXPECT)) return Status::Malformed;
    *reg(DATA_FIFO) = cmd[sent];
    if (!wait_status(STS_VALID, STS_VALID) || (status() & STS_EXPECT)) return Status::Malformed;
    *reg(STS) = STS_GO;

    if (!wait_status(STS_VALID | STS_DATA_AVAIL, STS_VALID | STS_DATA_AVAIL)) return Status::Unsupported;
    size_t expected = RESPONSE_HEADER;
    for (uint32_t rounds = 0; resp_len < expected; ++rounds) {
        if (rounds == POLL_LIMIT || !wait_status(STS_VALID | STS_DATA_AVAIL, STS_VALID | STS_DATA_AVAIL))
            return Status::Truncated;
        for (uint16_t burst = burst_count(); burst > 0 && resp_len < expected; --burst)
            resp[resp_len++] = *reg(DATA_FIFO);
        if (resp_len == RESPONSE_HEADER && expected == RESPONSE_HEADER) {
            expected = size_t(resp[2]) << 24 | size_t(resp[3]) << 16 | size_t(resp[4]) << 8 | resp[5];
            if (expected < RESPONSE_HEADER || expected > cap) {
                *reg(STS) = STS_COMMAND_READY;
                return Status::Malformed;
            }
        }
    }
    // All of it has been read: a TPM with more to say is not speaking TPM 2.0.
    bool more = wait_status(STS_VALID, STS_VALID) && (status() & STS_DATA_AVAIL);
    *reg(STS) = STS_COMMAND_READY;  // back to idle
    return more ? Status::Malformed : Status::Ok;
}

}  // namespace keel::tpm
