// The fixture's own TPM commands, each on a connection of its own that is
// closed again before the call returns (swtpm serves one at a time).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "attestation/tpm/attester.hpp"
#include "attestation/tpm/esys_handles.hpp"
#include "ctrl_protocol.hpp"
#include "swtpm_control.hpp"
#include "swtpm_fixture.hpp"

namespace keel::test {
namespace {

using tpm::check;
using tpm::EsysPtr;
using tpm::out;

struct Connection {
    explicit Connection(const std::string& tcti) : tcti(tcti), esys(this->tcti.get()) {}
    ESYS_CONTEXT* context() const { return esys.get(); }
    tpm::Tcti tcti;
    tpm::EsysContext esys;
};

std::size_t digest_size(std::uint16_t bank) {
    switch (bank) {
    case TPM2_ALG_SHA1: return TPM2_SHA1_DIGEST_SIZE;
    case TPM2_ALG_SHA256: return TPM2_SHA256_DIGEST_SIZE;
    case TPM2_ALG_SHA384: return TPM2_SHA384_DIGEST_SIZE;
    case TPM2_ALG_SHA512: return TPM2_SHA512_DIGEST_SIZE;
    default: throw std::invalid_argument("unknown PCR bank " + std::to_string(bank));
    }
}

std::size_t count_handles(ESYS_CONTEXT* context, TPM2_HANDLE first) {
    EsysPtr<TPMS_CAPABILITY_DATA> data;
    TPMI_YES_NO more = TPM2_NO;
    check(Esys_GetCapability(context, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, first,
                             TPM2_MAX_CAP_HANDLES, &more, out(data)),
          "Esys_GetCapability");
    return data->data.handles.count;
}

void set_locality(std::uint16_t control_port, std::uint8_t locality) {
    const std::uint8_t body[4] = {locality, 0, 0, 0};  // u8, padded to the request union's 4 bytes
    SwtpmControl(control_port).request_ok(platform::ctrl::SET_LOCALITY, body);
}

}  // namespace

std::uint32_t Swtpm::reset_count() {
    Connection tpm(tcti());
    EsysPtr<TPMS_TIME_INFO> time;
    check(Esys_ReadClock(tpm.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out(time)), "Esys_ReadClock");
    return time->clockInfo.resetCount;
}

void Swtpm::restart() {
    const std::uint32_t before = reset_count();
    {
        Connection tpm(tcti());
        check(Esys_Shutdown(tpm.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_SU_CLEAR), "Esys_Shutdown");
    }
    stop();
    start_on_current_ports();
    wait_until_serving();
    const std::uint32_t after = reset_count();
    if (after <= before)
        throw std::runtime_error("swtpm restarted, but the TPM's resetCount went from " + std::to_string(before) +
                                 " to " + std::to_string(after));
}

void Swtpm::hash_sequence(std::span<const std::uint8_t> data) {
    SwtpmControl control(static_cast<std::uint16_t>(port_ + 1));
    control.request_ok(platform::ctrl::HASH_START);
    for (std::size_t offset = 0; offset < data.size(); offset += platform::ctrl::HASH_DATA_MAX) {
        const std::size_t n = std::min(platform::ctrl::HASH_DATA_MAX, data.size() - offset);
        std::vector<std::uint8_t> body = {std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8),
                                          std::uint8_t(n)};
        body.insert(body.end(), data.begin() + long(offset), data.begin() + long(offset + n));
        control.request_ok(platform::ctrl::HASH_DATA, body);
    }
    control.request_ok(platform::ctrl::HASH_END);
}

void Swtpm::extend(std::uint32_t pcr, std::uint8_t locality, const std::map<std::uint16_t, Bytes>& digests) {
    if (pcr > 23) throw std::invalid_argument("PCR " + std::to_string(pcr) + " does not exist");
    TPML_DIGEST_VALUES values{};
    for (const auto& [bank, digest] : digests) {
        if (values.count == TPM2_NUM_PCR_BANKS) throw std::invalid_argument("too many banks");
        if (digest.size() != digest_size(bank))
            throw std::invalid_argument("a digest of " + std::to_string(digest.size()) + " bytes for bank " +
                                        std::to_string(bank));
        TPMT_HA& value = values.digests[values.count++];
        value.hashAlg = bank;
        std::copy(digest.begin(), digest.end(), reinterpret_cast<std::uint8_t*>(&value.digest));
    }
    // swtpm keeps the locality for the next client; whatever happens, the
    // next one finds locality 0 again, as after a reset.
    struct BackToLocality0 {
        std::uint16_t port;
        ~BackToLocality0() {
            try {
                set_locality(port, 0);
            } catch (...) {}
        }
    } back_to_0{static_cast<std::uint16_t>(port_ + 1)};
    Connection tpm(tcti());
    check(Tss2_Tcti_SetLocality(tpm.tcti.get(), locality), "Tss2_Tcti_SetLocality");
    check(Esys_PCR_Extend(tpm.context(), ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &values),
          "Esys_PCR_Extend");
}

Bytes Swtpm::pcr_read(std::uint16_t bank, std::uint32_t pcr) {
    if (pcr > 23) throw std::invalid_argument("PCR " + std::to_string(pcr) + " does not exist");
    TPML_PCR_SELECTION selection{};
    selection.count = 1;
    selection.pcrSelections[0].hash = bank;
    selection.pcrSelections[0].sizeofSelect = 3;
    selection.pcrSelections[0].pcrSelect[pcr / 8] = static_cast<BYTE>(1u << (pcr % 8));
    Connection tpm(tcti());
    UINT32 counter = 0;
    EsysPtr<TPML_DIGEST> values;
    check(Esys_PCR_Read(tpm.context(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &selection, &counter, nullptr,
                        out(values)),
          "Esys_PCR_Read");
    if (values->count != 1)
        throw std::runtime_error("bank " + std::to_string(bank) + " has no PCR " + std::to_string(pcr) + " allocated");
    return Bytes(values->digests[0].buffer, values->digests[0].buffer + values->digests[0].size);
}

std::size_t Swtpm::loaded_handles() {
    Connection tpm(tcti());
    return count_handles(tpm.context(), TPM2_TRANSIENT_FIRST) +
           count_handles(tpm.context(), TPM2_LOADED_SESSION_FIRST) +
           count_handles(tpm.context(), TPM2_ACTIVE_SESSION_FIRST);
}

}  // namespace keel::test
