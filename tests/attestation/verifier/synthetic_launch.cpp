#include "synthetic_launch.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdexcept>
#include <tss2/tss2_mu.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "hypervisor/tpm/event_log_writer.hpp"

namespace keel::test {
namespace {

const EVP_MD* md_for(std::uint16_t bank) {
    switch (bank) {
    case 0x0004: return EVP_sha1();
    case 0x000B: return EVP_sha256();
    case 0x000C: return EVP_sha384();
    case 0x000D: return EVP_sha512();
    }
    throw std::runtime_error("unknown bank");
}

}  // namespace

Bytes bank_digest(std::uint16_t bank, const Bytes& data) {
    Bytes out(EVP_MD_get_size(md_for(bank)));
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &n, md_for(bank), nullptr);
    return out;
}

namespace {

Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

std::vector<Component> keel_components() {
    return {
        {"slb", 17, 0x600, "", text("secure loader block core")},
        {"slb-loader", 17, 0x602, "", text("secure loader block loader")},
        {"hypervisor", 17, 0x602, "debug-exit=0xf4", text("hypervisor image and command line")},
        {"launch-manifest", 18, 0x601, "hypervisor@17 guest@19", text("hypervisor@17 guest@19")},
        {"guest", 19, 0x602, "guest linux", text("guest module")},
    };
}

Bytes drtm_log(const std::vector<std::uint16_t>& banks, const std::vector<Component>& components) {
    std::vector<std::uint8_t> buffer(1u << 20);
    std::uint16_t algs[tpm::MAX_BANKS];
    std::size_t sizes[tpm::MAX_BANKS];
    for (std::size_t i = 0; i < banks.size(); ++i) {
        algs[i] = banks[i];
        sizes[i] = eventlog::known_digest_size(banks[i]);
    }
    tpm::EventLogWriter writer;
    if (writer.init(buffer.data(), buffer.size(), algs, sizes, banks.size()) != Status::Ok)
        throw std::runtime_error("log init");
    for (const auto& c : components) {
        tpm::DigestList digests{};
        digests.count = banks.size();
        for (std::size_t i = 0; i < banks.size(); ++i) {
            auto d = bank_digest(banks[i], c.measured);
            digests.digests[i].alg = banks[i];
            std::memcpy(digests.digests[i].bytes, d.data(), d.size());
        }
        Bytes data = text(c.name);
        data.push_back(0);
        data.insert(data.end(), c.detail.begin(), c.detail.end());
        if (writer.append(c.pcr, c.event_type, digests, data.data(), data.size()) != Status::Ok)
            throw std::runtime_error("log append");
    }
    return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(writer.size()));
}

evidence::PcrValues launch_pcrs(const std::vector<std::uint16_t>& banks, const std::vector<Component>& components) {
    evidence::PcrValues pcrs;
    for (auto bank : banks) {
        auto size = eventlog::known_digest_size(bank);
        for (std::uint32_t pcr = 0; pcr < 24; ++pcr) pcrs[bank][pcr] = Bytes(size, 0);
        for (const auto& c : components)
            pcrs[bank][c.pcr] = bank_digest(bank, concat(pcrs[bank][c.pcr], bank_digest(bank, c.measured)));
    }
    return pcrs;
}

std::string reference_json(const std::vector<std::uint16_t>& banks, const std::vector<Component>& components) {
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < components.size(); ++i) {
        const auto& c = components[i];
        nlohmann::json digests = nlohmann::json::object();
        for (auto bank : banks)
            digests[eventlog::algorithm_name(bank)] = eventlog::to_hex(bank_digest(bank, c.measured));
        list.push_back({{"index", i},
                        {"name", c.name},
                        {"pcr", c.pcr},
                        {"event_type", c.event_type},
                        {"detail", c.detail},
                        {"digests", digests}});
    }
    return nlohmann::json{{"format", "keel-reference-values"}, {"version", 1}, {"components", list}}.dump(2);
}

std::vector<evidence::PcrSelection> full_selection(const std::vector<std::uint16_t>& banks) {
    std::vector<evidence::PcrSelection> selection;
    for (auto bank : banks) {
        evidence::PcrSelection s{bank, {}};
        for (std::uint32_t pcr = 0; pcr < 24; ++pcr) s.pcrs.push_back(pcr);
        selection.push_back(s);
    }
    return selection;
}

std::vector<Bytes> pcr_read_lists(const std::vector<evidence::PcrSelection>& selection,
                                  const evidence::PcrValues& pcrs) {
    std::vector<Bytes> digests, lists;
    for (const auto& s : selection)
        for (auto pcr : s.pcrs) digests.push_back(pcrs.at(s.hash_alg).at(pcr));
    for (std::size_t i = 0; i < digests.size(); i += 8)
        lists.push_back(evidence::marshal_digest_list(
            std::vector<Bytes>(digests.begin() + i, digests.begin() + std::min(i + 8, digests.size()))));
    return lists;
}

SyntheticLaunch make_launch(const std::vector<std::uint16_t>& banks, std::size_t events) {
    SyntheticLaunch l;
    l.banks = banks;
    l.components = keel_components();
    for (std::size_t i = l.components.size(); i < events; ++i)
        l.components.push_back({"module-" + std::to_string(i), 19, 0x602, "", {std::uint8_t(i), 1, 2, 3}});
    l.selection = full_selection(banks);
    l.pcrs = launch_pcrs(banks, l.components);
    l.pcr_values = pcr_read_lists(l.selection, l.pcrs);
    l.log = drtm_log(banks, l.components);
    l.reference = reference_json(banks, l.components);
    return l;
}

evidence::EvpPkey generate_rsa_key() { return evidence::EvpPkey(EVP_RSA_gen(2048)); }
evidence::EvpPkey generate_ec_key() { return evidence::EvpPkey(EVP_EC_gen("P-256")); }

Bytes tpm2b_public(EVP_PKEY* key, std::uint32_t attributes) {
    TPM2B_PUBLIC pub{};
    auto& area = pub.publicArea;
    area.nameAlg = TPM2_ALG_SHA256;
    area.objectAttributes = attributes;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        area.type = TPM2_ALG_RSA;
        auto& rsa = area.parameters.rsaDetail;
        rsa.symmetric.algorithm = TPM2_ALG_NULL;
        rsa.scheme.scheme = TPM2_ALG_RSASSA;
        rsa.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
        rsa.keyBits = 2048;
        rsa.exponent = 0;  // 65537
        BIGNUM* n = nullptr;
        if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n)) throw std::runtime_error("RSA modulus");
        area.unique.rsa.size = 256;
        BN_bn2binpad(n, area.unique.rsa.buffer, 256);
        BN_free(n);
    } else {
        area.type = TPM2_ALG_ECC;
        auto& ecc = area.parameters.eccDetail;
        ecc.symmetric.algorithm = TPM2_ALG_NULL;
        ecc.scheme.scheme = TPM2_ALG_ECDSA;
        ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
        ecc.curveID = TPM2_ECC_NIST_P256;
        ecc.kdf.scheme = TPM2_ALG_NULL;
        BIGNUM *x = nullptr, *y = nullptr;
        if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
            !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
            throw std::runtime_error("EC point");
        area.unique.ecc.x.size = area.unique.ecc.y.size = 32;
        BN_bn2binpad(x, area.unique.ecc.x.buffer, 32);
        BN_bn2binpad(y, area.unique.ecc.y.buffer, 32);
        BN_free(x);
        BN_free(y);
    }
    Bytes out(sizeof pub);
    size_t offset = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, out.data(), out.size(), &offset) != 0)
        throw std::runtime_error("marshal TPM2B_PUBLIC");
    out.resize(offset);
    return out;
}

SignedQuote sign_quote(EVP_PKEY* key, const QuoteContents& q) {
    TPMS_ATTEST attest{};
    attest.magic = q.magic;
    attest.type = q.type;
    attest.qualifiedSigner.size = 0;
    if (q.nonce.size() > sizeof attest.extraData.buffer) throw std::runtime_error("nonce too long");
    attest.extraData.size = static_cast<UINT16>(q.nonce.size());
    std::memcpy(attest.extraData.buffer, q.nonce.data(), q.nonce.size());
    attest.clockInfo.clock = q.clock.clock;
    attest.clockInfo.resetCount = q.clock.reset_count;
    attest.clockInfo.restartCount = q.clock.restart_count;
    attest.clockInfo.safe = q.clock.safe ? 1 : 0;
    attest.firmwareVersion = 0x2019052200000000ull;
    auto& quote = attest.attested.quote;
    quote.pcrSelect.count = static_cast<UINT32>(q.selection.size());
    for (std::size_t i = 0; i < q.selection.size(); ++i) {
        auto& s = quote.pcrSelect.pcrSelections[i];
        s.hash = q.selection[i].hash_alg;
        s.sizeofSelect = 3;
        for (auto pcr : q.selection[i].pcrs) s.pcrSelect[pcr / 8] |= static_cast<BYTE>(1u << (pcr % 8));
    }
    auto digest = evidence::pcr_digest(0x000B, q.selection, q.pcrs);
    if (!digest) throw std::runtime_error("selection not filled by the PCR values");
    quote.pcrDigest.size = static_cast<UINT16>(digest->size());
    std::memcpy(quote.pcrDigest.buffer, digest->data(), digest->size());

    SignedQuote out;
    out.attest.resize(sizeof(TPMS_ATTEST) + 16);
    size_t offset = 0;
    if (Tss2_MU_TPMS_ATTEST_Marshal(&attest, out.attest.data(), out.attest.size(), &offset) != 0)
        throw std::runtime_error("marshal TPMS_ATTEST");
    out.attest.resize(offset);

    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t sig_len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &sig_len, out.attest.data(), out.attest.size());
    Bytes der(sig_len);
    EVP_DigestSign(ctx, der.data(), &sig_len, out.attest.data(), out.attest.size());
    der.resize(sig_len);
    EVP_MD_CTX_free(ctx);

    TPMT_SIGNATURE sig{};
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        sig.sigAlg = TPM2_ALG_RSASSA;
        sig.signature.rsassa.hash = TPM2_ALG_SHA256;
        sig.signature.rsassa.sig.size = static_cast<UINT16>(der.size());
        std::memcpy(sig.signature.rsassa.sig.buffer, der.data(), der.size());
    } else {
        sig.sigAlg = TPM2_ALG_ECDSA;
        sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
        const unsigned char* p = der.data();
        ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
        const BIGNUM *r = nullptr, *s = nullptr;
        ECDSA_SIG_get0(ecdsa, &r, &s);
        sig.signature.ecdsa.signatureR.size = 32;
        sig.signature.ecdsa.signatureS.size = 32;
        BN_bn2binpad(r, sig.signature.ecdsa.signatureR.buffer, 32);
        BN_bn2binpad(s, sig.signature.ecdsa.signatureS.buffer, 32);
        ECDSA_SIG_free(ecdsa);
    }
    out.signature.resize(sizeof(TPMT_SIGNATURE));
    offset = 0;
    if (Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, out.signature.data(), out.signature.size(), &offset) != 0)
        throw std::runtime_error("marshal TPMT_SIGNATURE");
    out.signature.resize(offset);
    return out;
}

evidence::EvidenceDocument launch_evidence(const SyntheticLaunch& launch, EVP_PKEY* ak, const Bytes& ak_name,
                                           const Bytes& nonce, evidence::ClockInfo clock) {
    QuoteContents q;
    q.nonce = nonce;
    q.selection = launch.selection;
    q.pcrs = launch.pcrs;
    q.clock = clock;
    const auto quote = sign_quote(ak, q);
    evidence::EvidenceDocument d;
    d.nonce = nonce;
    d.ak_name = ak_name;
    d.attest = quote.attest;
    d.signature = quote.signature;
    d.pcr_selection = evidence::marshal_pcr_selection(launch.selection);
    d.pcr_values = launch.pcr_values;
    d.drtm_log = launch.log;
    return d;
}

}  // namespace keel::test
