#include "attestation/tpm/keys.hpp"

#include "attestation/tpm/key_templates.hpp"
#include "attestation/tpm/persistent_keys.hpp"
#include "attestation/tpm/sessions.hpp"

namespace keel::tpm {

EsysHandle load_ek(ESYS_CONTEXT* context, EkType type, bool persist) {
    const TPM2B_PUBLIC tmpl = ek_template(type);
    const TPM2_HANDLE handle = ek_persistent_handle(type);
    if (persist) {
        if (auto key = load_persistent(context, handle, tmpl.publicArea, describe(type))) return std::move(*key);
    }
    const TPM2B_SENSITIVE_CREATE no_sensitive{};
    const TPM2B_DATA no_outside_info{};
    const TPML_PCR_SELECTION no_creation_pcrs{};
    ESYS_TR raw = ESYS_TR_NONE;
    check(Esys_CreatePrimary(context, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                             &no_sensitive, &tmpl, &no_outside_info, &no_creation_pcrs, &raw, nullptr, nullptr, nullptr,
                             nullptr),
          "Esys_CreatePrimary");
    EsysHandle key(context, raw, EsysHandle::Release::flush);
    if (persist) return make_persistent(context, std::move(key), handle);
    return key;
}

EsysHandle load_ak(ESYS_CONTEXT* context, ESYS_TR ek, EkType ek_type, AkScheme scheme, bool persist) {
    const TPM2B_PUBLIC tmpl = ak_template(scheme);
    const TPM2_HANDLE handle = ak_persistent_handle(ek_type, scheme);
    if (persist) {
        if (auto key = load_persistent(context, handle, tmpl.publicArea, describe(scheme))) return std::move(*key);
    }
    const TPM2B_SENSITIVE_CREATE no_sensitive{};
    const TPM2B_DATA no_outside_info{};
    const TPML_PCR_SELECTION no_creation_pcrs{};
    EsysPtr<TPM2B_PRIVATE> private_part;
    EsysPtr<TPM2B_PUBLIC> public_part;
    check(Esys_Create(context, ek, endorsement_policy_session(context).get(), ESYS_TR_NONE, ESYS_TR_NONE, &no_sensitive,
                      &tmpl, &no_outside_info, &no_creation_pcrs, out(private_part), out(public_part), nullptr, nullptr,
                      nullptr),
          "Esys_Create");
    ESYS_TR raw = ESYS_TR_NONE;
    check(Esys_Load(context, ek, endorsement_policy_session(context).get(), ESYS_TR_NONE, ESYS_TR_NONE,
                    private_part.get(), public_part.get(), &raw),
          "Esys_Load");
    EsysHandle key(context, raw, EsysHandle::Release::flush);
    if (persist) return make_persistent(context, std::move(key), handle);
    return key;
}

}  // namespace keel::tpm
