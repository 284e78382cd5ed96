#include "attestation/tpm/nv_read.hpp"

#include <algorithm>
#include <stdexcept>

#include "attestation/tpm/capabilities.hpp"
#include "attestation/tpm/esys_handles.hpp"
#include "attestation/tpm/persistent_keys.hpp"

namespace keel::tpm {

std::optional<evidence::Bytes> read_nv_index(ESYS_CONTEXT* context, TPM2_HANDLE index) {
    if (!handle_exists(context, index)) return std::nullopt;
    ESYS_TR raw = ESYS_TR_NONE;
    check(Esys_TR_FromTPMPublic(context, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw),
          "Esys_TR_FromTPMPublic");
    EsysHandle nv(context, raw, EsysHandle::Release::close);
    EsysPtr<TPM2B_NV_PUBLIC> nv_public;
    check(Esys_NV_ReadPublic(context, nv.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out(nv_public), nullptr),
          "Esys_NV_ReadPublic");
    const TPMA_NV attributes = nv_public->nvPublic.attributes;
    if (!(attributes & TPMA_NV_WRITTEN)) return std::nullopt;
    ESYS_TR authorization = ESYS_TR_NONE;
    if (attributes & TPMA_NV_AUTHREAD)
        authorization = nv.get();
    else if (attributes & TPMA_NV_OWNERREAD)
        authorization = ESYS_TR_RH_OWNER;
    else
        throw std::runtime_error("NV index " + handle_hex(index) +
                                 " can be read neither with its own authorization nor the owner's");

    const std::size_t size = nv_public->nvPublic.dataSize;
    const std::size_t piece =
        std::min<std::size_t>(tpm_property(context, TPM2_PT_NV_BUFFER_MAX), TPM2_MAX_NV_BUFFER_SIZE);
    evidence::Bytes contents;
    contents.reserve(size);
    while (contents.size() < size) {
        const auto offset = static_cast<UINT16>(contents.size());
        const auto length = static_cast<UINT16>(std::min(piece, size - contents.size()));
        EsysPtr<TPM2B_MAX_NV_BUFFER> data;
        check(Esys_NV_Read(context, authorization, nv.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, length,
                           offset, out(data)),
              "Esys_NV_Read");
        if (data->size != length)
            throw std::runtime_error("NV index " + handle_hex(index) + ": asked for " + std::to_string(length) +
                                     " bytes, the TPM returned " + std::to_string(data->size));
        contents.insert(contents.end(), data->buffer, data->buffer + data->size);
    }
    return contents;
}

}  // namespace keel::tpm
