#include "attestation/eventlog/replay.hpp"

#include <string>
#include <vector>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/evp.hpp"

namespace keel::eventlog {
namespace {

constexpr std::uint8_t hcrtm_locality = 4;  // TPM 2.0 Part 1: _TPM_Hash_Start resets PCR 0 to 00..04

// One bank's hash: fetched once, its context reused for every extend.
class Bank {
public:
    explicit Bank(AlgorithmSpec spec) : spec_(spec) {}

    PcrBank* pcrs = nullptr;  // the replay's values of this bank

    // False when OpenSSL has no implementation of the declared size.
    bool open() {
        md_ = evp::fetched_md(spec_.id);
        if (!md_ || EVP_MD_get_size(md_) != spec_.digest_size) return false;
        ctx_.reset(EVP_MD_CTX_new());
        if (!ctx_) throw Error("OpenSSL could not allocate a digest context");
        return true;
    }

    AlgorithmId id() const { return spec_.id; }
    std::size_t size() const { return spec_.digest_size; }

    void extend(Bytes& pcr, ByteView digest) {
        unsigned int len = 0;
        if (EVP_DigestInit_ex2(ctx_.get(), md_, nullptr) != 1 ||
            EVP_DigestUpdate(ctx_.get(), pcr.data(), pcr.size()) != 1 ||
            EVP_DigestUpdate(ctx_.get(), digest.data(), digest.size()) != 1 ||
            EVP_DigestFinal_ex(ctx_.get(), pcr.data(), &len) != 1 || len != pcr.size())
            throw Error("OpenSSL failed to compute " + algorithm_name(spec_.id));
    }

private:
    AlgorithmSpec spec_;
    const EVP_MD* md_ = nullptr;
    evp::MdCtx ctx_;
};

}  // namespace

Bytes initial_pcr_value(const Replay& replay, std::size_t digest_size, std::uint32_t pcr) {
    Bytes value(digest_size, 0);
    if (pcr == 0 && digest_size > 0) value.back() = replay.pcr0_locality;
    return value;
}

Replay replay(const EventLog& log) {
    Replay result;
    std::vector<Bank> banks;
    for (const auto& spec : log.algorithms) {
        Bank bank(spec);
        if (bank.open()) {
            bank.pcrs = &result.pcrs[spec.id];  // every bank appears, if only empty
            banks.push_back(std::move(bank));
        } else {
            result.unsupported.insert(spec.id);
        }
    }

    bool pcr0_extended = false;
    for (const auto& e : log.events) {
        if (e.type == ev_no_action) {
            if (e.pcr == 0 && e.startup_locality && !pcr0_extended) result.pcr0_locality = *e.startup_locality;
            continue;
        }
        if (e.pcr == 0 && !pcr0_extended) {
            if (e.type == ev_efi_hcrtm_event) result.pcr0_locality = hcrtm_locality;
            pcr0_extended = true;
        }
        for (auto& bank : banks) {
            const Digest* digest = e.digest(bank.id());
            if (!digest) {
                result.incomplete.insert({bank.id(), e.pcr});
                continue;
            }
            auto [it, fresh] = bank.pcrs->try_emplace(e.pcr);
            if (fresh) it->second = initial_pcr_value(result, bank.size(), e.pcr);
            bank.extend(it->second, digest->value);
        }
    }
    return result;
}

}  // namespace keel::eventlog
