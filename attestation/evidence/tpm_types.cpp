#include "attestation/evidence/tpm_types.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <tss2/tss2_mu.h>

#include "attestation/evidence/pcr_selection_rules.hpp"

namespace keel::evidence {
namespace {

// Larger than any structure parsed here can be (a TPMS_ATTEST certifying a
// full NV buffer is about 2,200 bytes); bounds the work on hostile input.
constexpr std::size_t max_structure_size = 4096;

template <typename T> using Unmarshal = TSS2_RC (*)(const std::uint8_t*, std::size_t, std::size_t*, T*);

std::string hex16(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(v));
    return buf;
}

std::string bytes_count(std::size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

[[noreturn]] void fail(const char* structure, const std::string& problem) {
    throw ParseError(std::string(structure) + ": " + problem);
}

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

// Unmarshals exactly one T from all of `bytes`. libtss2-mu answers "buffer too
// small" both for a truncated input and for a size field above its maximum;
// running it again on the input followed by zeros (the smallest sizes and
// counts) tells the two apart, and costs nothing on the success path.
// `bad_value` names what libtss2-mu rejected as a bad selector value.
template <typename T> void unmarshal_exact(std::span<const std::uint8_t> bytes, Unmarshal<T> unmarshal, T& out,
                                           const char* structure,
                                           std::string (*bad_value)(std::span<const std::uint8_t>) = nullptr) {
    if (bytes.empty()) fail(structure, "the input is empty");
    if (bytes.size() > max_structure_size)
        fail(structure, bytes_count(bytes.size()) + ", more than the " + std::to_string(max_structure_size) +
                            " Keel accepts for any TPM structure");
    std::size_t offset = 0;
    const TSS2_RC rc = unmarshal(bytes.data(), bytes.size(), &offset, &out);
    if (rc == TSS2_RC_SUCCESS) {
        if (offset != bytes.size())
            fail(structure, bytes_count(bytes.size() - offset) + " after the end of the structure");
        return;
    }
    if (rc == TSS2_MU_RC_INSUFFICIENT_BUFFER) {
        std::vector<std::uint8_t> padded(bytes.begin(), bytes.end());
        padded.resize(bytes.size() + max_structure_size);
        T scratch{};
        std::size_t scratch_offset = 0;
        if (unmarshal(padded.data(), padded.size(), &scratch_offset, &scratch) != TSS2_MU_RC_INSUFFICIENT_BUFFER)
            fail(structure, "truncated: the input ends inside the structure after " + bytes_count(bytes.size()));
        fail(structure, "a TPM2B size field exceeds the size of its buffer");
    }
    if (rc == TSS2_MU_RC_BAD_VALUE)
        fail(structure, bad_value ? bad_value(bytes) : "a type or algorithm selector has a value it may not have");
    // libtss2-mu reports counts above a list's maximum and sizeofSelect above
    // 4 as TSS2_SYS_RC_MALFORMED_RESPONSE.
    fail(structure, "a count or size field exceeds its maximum");
}

std::vector<PcrSelection> from_tss(const TPML_PCR_SELECTION& list, const char* structure) {
    std::vector<PcrSelection> out;
    out.reserve(list.count);
    for (std::uint32_t i = 0; i < list.count; ++i) {
        const auto& s = list.pcrSelections[i];
        out.push_back(selection_from_bitmap(s.hash, std::span(s.pcrSelect, s.sizeofSelect)));
    }
    check_selection(out, structure);
    return out;
}

Bytes contents(const std::uint8_t* buffer, std::uint16_t size) { return Bytes(buffer, buffer + size); }

bool supported_signature(std::uint16_t alg) {
    return alg == TPM2_ALG_RSASSA || alg == TPM2_ALG_RSAPSS || alg == TPM2_ALG_ECDSA;
}

}  // namespace

Attest parse_attest(std::span<const std::uint8_t> bytes) {
    static constexpr const char* name = "TPMS_ATTEST";
    TPMS_ATTEST a{};
    // The type (after the 4-byte magic) is the only selector in TPMS_ATTEST,
    // so libtss2-mu reaches it, and can reject it, only when it is there.
    unmarshal_exact<TPMS_ATTEST>(bytes, Tss2_MU_TPMS_ATTEST_Unmarshal, a, name, [](std::span<const std::uint8_t> b) {
        return "unknown attestation type " + hex16(be16(b, 4));
    });
    // TPMI_YES_NO, which libtss2-mu does not check; no TPM signs anything else.
    if (a.clockInfo.safe > 1)
        fail(name, "clockInfo.safe is " + std::to_string(a.clockInfo.safe) + ", neither YES nor NO");

    Attest out;
    out.magic = a.magic;
    out.type = a.type;
    out.qualified_signer = contents(a.qualifiedSigner.name, a.qualifiedSigner.size);
    out.extra_data = contents(a.extraData.buffer, a.extraData.size);
    out.clock_info = {a.clockInfo.clock, a.clockInfo.resetCount, a.clockInfo.restartCount, a.clockInfo.safe == 1};
    out.firmware_version = a.firmwareVersion;
    if (a.type == st_attest_quote) {
        out.pcr_select = from_tss(a.attested.quote.pcrSelect, name);
        out.pcr_digest = contents(a.attested.quote.pcrDigest.buffer, a.attested.quote.pcrDigest.size);
    }
    return out;
}

Signature parse_signature(std::span<const std::uint8_t> bytes) {
    static constexpr const char* name = "TPMT_SIGNATURE";
    // Checked before unmarshalling, so that an HMAC or ECDAA signature is
    // reported as what it is rather than as whatever libtss2-mu finds wrong.
    if (bytes.size() >= 2 && !supported_signature(be16(bytes, 0)))
        fail(name, "unsupported signature algorithm " + hex16(be16(bytes, 0)));
    TPMT_SIGNATURE t{};
    unmarshal_exact<TPMT_SIGNATURE>(bytes, Tss2_MU_TPMT_SIGNATURE_Unmarshal, t, name);

    Signature out;
    out.sig_alg = t.sigAlg;
    if (t.sigAlg == TPM2_ALG_ECDSA) {
        const auto& e = t.signature.ecdsa;
        out.hash_alg = e.hash;
        out.ecdsa_r = contents(e.signatureR.buffer, e.signatureR.size);
        out.ecdsa_s = contents(e.signatureS.buffer, e.signatureS.size);
    } else {
        // TPMS_SIGNATURE_RSAPSS has the layout of TPMS_SIGNATURE_RSASSA.
        const auto& r = t.sigAlg == TPM2_ALG_RSAPSS ? t.signature.rsapss : t.signature.rsassa;
        out.hash_alg = r.hash;
        out.rsa_signature = contents(r.sig.buffer, r.sig.size);
    }
    return out;
}

std::vector<PcrSelection> parse_pcr_selection(std::span<const std::uint8_t> bytes) {
    static constexpr const char* name = "TPML_PCR_SELECTION";
    TPML_PCR_SELECTION list{};
    unmarshal_exact<TPML_PCR_SELECTION>(bytes, Tss2_MU_TPML_PCR_SELECTION_Unmarshal, list, name);
    return from_tss(list, name);
}

std::vector<Bytes> parse_digest_list(std::span<const std::uint8_t> bytes) {
    TPML_DIGEST list{};
    unmarshal_exact<TPML_DIGEST>(bytes, Tss2_MU_TPML_DIGEST_Unmarshal, list, "TPML_DIGEST");
    std::vector<Bytes> out;
    out.reserve(list.count);
    for (std::uint32_t i = 0; i < list.count; ++i)
        out.push_back(contents(list.digests[i].buffer, list.digests[i].size));
    return out;
}

Bytes marshal_pcr_selection(const std::vector<PcrSelection>& selection) {
    if (selection.size() > TPM2_NUM_PCR_BANKS)
        throw std::invalid_argument("a TPML_PCR_SELECTION holds at most 16 banks");
    TPML_PCR_SELECTION list{};
    list.count = static_cast<std::uint32_t>(selection.size());
    for (std::size_t i = 0; i < selection.size(); ++i) {
        auto& s = list.pcrSelections[i];
        s.hash = selection[i].hash_alg;
        // Three bytes is what PC Client TPMs expect; a fourth only when needed.
        s.sizeofSelect = 3;
        for (std::uint32_t pcr : selection[i].pcrs) {
            if (pcr >= 8 * TPM2_PCR_SELECT_MAX) throw std::invalid_argument("PCR index above 31 in a selection");
            if (pcr >= 24) s.sizeofSelect = 4;
            s.pcrSelect[pcr / 8] |= static_cast<std::uint8_t>(1u << (pcr % 8));
        }
    }
    Bytes out(sizeof(TPML_PCR_SELECTION));
    std::size_t offset = 0;
    if (Tss2_MU_TPML_PCR_SELECTION_Marshal(&list, out.data(), out.size(), &offset) != TSS2_RC_SUCCESS)
        throw std::invalid_argument("TPML_PCR_SELECTION does not marshal");
    out.resize(offset);
    return out;
}

Bytes marshal_digest_list(const std::vector<Bytes>& digests) {
    TPML_DIGEST list{};
    if (digests.size() > std::size(list.digests)) throw std::invalid_argument("a TPML_DIGEST holds at most 8 digests");
    list.count = static_cast<std::uint32_t>(digests.size());
    for (std::size_t i = 0; i < digests.size(); ++i) {
        if (digests[i].size() > sizeof list.digests[i].buffer)
            throw std::invalid_argument("a digest in a TPML_DIGEST has at most 64 bytes");
        list.digests[i].size = static_cast<std::uint16_t>(digests[i].size());
        std::copy(digests[i].begin(), digests[i].end(), list.digests[i].buffer);
    }
    Bytes out(sizeof(TPML_DIGEST));
    std::size_t offset = 0;
    if (Tss2_MU_TPML_DIGEST_Marshal(&list, out.data(), out.size(), &offset) != TSS2_RC_SUCCESS)
        throw std::invalid_argument("TPML_DIGEST does not marshal");
    out.resize(offset);
    return out;
}

}  // namespace keel::evidence
