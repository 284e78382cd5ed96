#include "attestation/tpm/attester.hpp"

#include "attestation/tpm/capabilities.hpp"
#include "attestation/tpm/esys_handles.hpp"
#include "attestation/tpm/keys.hpp"
#include "attestation/tpm/marshal.hpp"
#include "attestation/tpm/nv_read.hpp"
#include "attestation/tpm/pcr_selection.hpp"
#include "attestation/tpm/quote.hpp"
#include "attestation/tpm/sessions.hpp"

namespace keel::tpm {
namespace {

// TCG EK Credential Profile: the NV indices of the low-range EK certificates.
constexpr TPM2_HANDLE ek_certificate_index(EkType type) { return type == EkType::rsa2048 ? 0x01c00002u : 0x01c0000au; }

Bytes public_area(ESYS_CONTEXT* context, ESYS_TR key) {
    EsysPtr<TPM2B_PUBLIC> found;
    check(Esys_ReadPublic(context, key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out(found), nullptr, nullptr),
          "Esys_ReadPublic");
    return marshal(*found, Tss2_MU_TPM2B_PUBLIC_Marshal, "Tss2_MU_TPM2B_PUBLIC_Marshal");
}

}  // namespace

struct Attester::Impl {
    explicit Impl(const AttesterOptions& options) : options(options), tcti(options.tcti), esys(tcti.get()) {}

    ESYS_CONTEXT* context() const { return esys.get(); }

    // On first use, so that an Attester only connected costs no TPM object slots.
    void load_keys() {
        if (!ek) ek = load_ek(context(), options.ek, options.persist);
        if (!ak) ak = load_ak(context(), ek.get(), options.ek, options.ak, options.persist);
    }

    AttesterOptions options;
    Tcti tcti;
    EsysContext esys;
    // Declared after the contexts: released (flushed) before them.
    EsysHandle ek;
    EsysHandle ak;
};

Attester::Attester(const AttesterOptions& options) : impl_(std::make_unique<Impl>(options)) {}

Attester::~Attester() = default;

Identity Attester::identity() {
    impl_->load_keys();
    ESYS_CONTEXT* context = impl_->context();
    Identity identity;
    identity.ek_public = public_area(context, impl_->ek.get());
    identity.ek_certificate = read_nv_index(context, ek_certificate_index(impl_->options.ek));
    identity.ak_public = public_area(context, impl_->ak.get());
    EsysPtr<TPM2B_NAME> name;
    check(Esys_TR_GetName(context, impl_->ak.get(), out(name)), "Esys_TR_GetName");
    identity.ak_name.assign(name->name, name->name + name->size);
    return identity;
}

Bytes Attester::activate_credential(std::span<const std::uint8_t> credential_blob,
                                    std::span<const std::uint8_t> encrypted_secret) {
    const auto blob = unmarshal_exact(credential_blob, Tss2_MU_TPM2B_ID_OBJECT_Unmarshal, "TPM2B_ID_OBJECT");
    const auto secret =
        unmarshal_exact(encrypted_secret, Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal, "TPM2B_ENCRYPTED_SECRET");
    impl_->load_keys();
    ESYS_CONTEXT* context = impl_->context();
    EsysPtr<TPM2B_DIGEST> certified;
    check(Esys_ActivateCredential(context, impl_->ak.get(), impl_->ek.get(), ESYS_TR_PASSWORD,
                                  endorsement_policy_session(context).get(), ESYS_TR_NONE, &blob, &secret,
                                  out(certified)),
          "Esys_ActivateCredential");
    return Bytes(certified->buffer, certified->buffer + certified->size);
}

std::vector<std::uint16_t> Attester::allocated_banks() {
    const TPML_PCR_SELECTION allocated = allocated_pcrs(impl_->context());
    std::vector<std::uint16_t> banks;
    for (std::uint32_t i = 0; i < allocated.count; ++i) banks.push_back(allocated.pcrSelections[i].hash);
    return banks;
}

Quote Attester::quote(std::span<const std::uint8_t> nonce, const std::vector<std::uint32_t>& pcrs) {
    const TPML_PCR_SELECTION selection = select_in_banks(allocated_pcrs(impl_->context()), pcrs);
    impl_->load_keys();
    return quote_pcrs(impl_->context(), impl_->ak.get(), nonce, selection);
}

}  // namespace keel::tpm
