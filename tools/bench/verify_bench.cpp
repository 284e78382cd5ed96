// In-process verification throughput (Google Benchmark): one iteration is
// what a verifier service does per request once the host's AK key is loaded
// from its store: parse the evidence's TPM structures and the DRTM event log
// (64 events), then every check: signature, nonce, PCR digest, clock, banks,
// DRTM, replay of the log in every bank, reference values. BM_Fleet*: the
// same for a fleet of identical hosts, with and without the appraisal cache.
//   build/tools/bench/keel-verify-bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/eventlog/replay.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/appraisal_cache.hpp"
#include "attestation/verifier/appraisal_key.hpp"
#include "attestation/verifier/verifier.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace {

using namespace keel;

constexpr std::size_t log_events = 64;

struct Prepared {
    evidence::EvpPkey key;
    evidence::EvidenceDocument document;
    eventlog::ReferenceValues reference;
    verifier::Policy policy;
};

Prepared prepare(evidence::EvpPkey key, const std::vector<std::uint16_t>& banks) {
    const auto launch = test::make_launch(banks, log_events);
    Prepared p{std::move(key), {}, eventlog::parse_reference_values(launch.reference), {}};
    p.document = test::launch_evidence(launch, p.key.get(), {}, evidence::Bytes(32, 0x42));
    return p;
}

void verify_loop(benchmark::State& state, Prepared& p) {
    verifier::Expectations x;
    x.ak = p.key.get();
    x.nonce = p.document.nonce;
    x.policy = &p.policy;
    x.reference = &p.reference;
    for (auto _ : state) {
        auto e = verifier::parse_evidence(p.document);
        auto r = verifier::verify(e, x);
        if (!r.trusted()) {
            state.SkipWithError("evidence not trusted");
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_VerifyRsa2048Sha256Log64(benchmark::State& state) {
    static auto p = prepare(test::generate_rsa_key(), {eventlog::alg_sha256});
    verify_loop(state, p);
}
BENCHMARK(BM_VerifyRsa2048Sha256Log64);

void BM_VerifyEcdsaP256Sha256Log64(benchmark::State& state) {
    static auto p = prepare(test::generate_ec_key(), {eventlog::alg_sha256});
    verify_loop(state, p);
}
BENCHMARK(BM_VerifyEcdsaP256Sha256Log64);

// What keel-platform's default demo TPM quotes: SHA-1, SHA-256 and SHA-384 banks.
void BM_VerifyRsa2048ThreeBanksLog64(benchmark::State& state) {
    static auto p = prepare(test::generate_rsa_key(), {eventlog::alg_sha1, eventlog::alg_sha256, eventlog::alg_sha384});
    verify_loop(state, p);
}
BENCHMARK(BM_VerifyRsa2048ThreeBanksLog64);

// A fleet of identical hosts (issue 13): one launch image, so one DRTM log
// and one set of PCR values, but each host with its own AK and each quote
// over its own nonce, so every iteration checks a signature it has not seen.
// The argument is the appraisal cache's size (keel-verifierd's
// appraisal_cache_entries); 0 is the same fleet without the cache.
struct Fleet {
    struct Host {
        evidence::EvpPkey ak;
        evidence::TpmPublic ak_public;
        evidence::EvidenceDocument document;
    };
    std::vector<Host> hosts;
    eventlog::ReferenceValues reference;
    verifier::Policy policy;
    verifier::AppraisalKey policy_reference_key{};  // as keel-verifierd keeps it per host
};

constexpr std::size_t fleet_hosts = 64;

Fleet prepare_fleet(evidence::EvpPkey (*generate)()) {
    const auto launch = test::make_launch({eventlog::alg_sha256}, log_events);
    Fleet f{{}, eventlog::parse_reference_values(launch.reference), {}};
    f.policy_reference_key = verifier::policy_reference_key(&f.policy, &f.reference);
    for (std::size_t i = 0; i < fleet_hosts; ++i) {
        Fleet::Host h{generate(), {}, {}};
        h.ak_public = evidence::parse_public(test::tpm2b_public(h.ak.get(), test::ak_attributes));
        evidence::Bytes nonce(32, 0);
        nonce[0] = static_cast<std::uint8_t>(i);
        h.document = test::launch_evidence(launch, h.ak.get(), h.ak_public.name, nonce);
        f.hosts.push_back(std::move(h));
    }
    return f;
}

// One fleet per key type, shared by the fleet and raw-verify benchmarks.
const Fleet& rsa_fleet() {
    static const auto f = prepare_fleet(test::generate_rsa_key);
    return f;
}
const Fleet& ec_fleet() {
    static const auto f = prepare_fleet(test::generate_ec_key);
    return f;
}

void fleet_loop(benchmark::State& state, const Fleet& f) {
    verifier::AppraisalCache cache(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& h = f.hosts[i++ % f.hosts.size()];
        verifier::Expectations x;
        x.ak = h.ak.get();
        x.ak_public = &h.ak_public;
        x.enrolled_ak_name = h.ak_public.name;
        x.nonce = h.document.nonce;
        x.policy = &f.policy;
        x.reference = &f.reference;
        x.policy_reference_key = &f.policy_reference_key;
        auto e = verifier::parse_evidence(h.document, &cache);
        auto r = verifier::verify(e, x, &cache);
        if (!r.trusted()) {
            state.SkipWithError("evidence not trusted");
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_FleetRsa2048Sha256Log64(benchmark::State& state) { fleet_loop(state, rsa_fleet()); }
BENCHMARK(BM_FleetRsa2048Sha256Log64)->Arg(0)->Arg(64);

void BM_FleetEcdsaP256Sha256Log64(benchmark::State& state) { fleet_loop(state, ec_fleet()); }
BENCHMARK(BM_FleetEcdsaP256Sha256Log64)->Arg(0)->Arg(64);

// OpenSSL's raw verify with the first fleet host's key, measured as
// `openssl speed` does (one context made beforehand, a SHA-256-sized digest,
// no hashing): the yardstick for the fleet's appraisals/s in the same run
// (issue 13: a fleet appraisal should cost little more than this).
void raw_verify_loop(benchmark::State& state, EVP_PKEY* key) {
    std::vector<unsigned char> digest(32, 0x5a), signature(static_cast<std::size_t>(EVP_PKEY_get_size(key)));
    std::size_t signature_size = signature.size();
    EVP_PKEY_CTX* sign = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    EVP_PKEY_CTX* verify = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    if (!sign || EVP_PKEY_sign_init(sign) != 1 || EVP_PKEY_CTX_set_signature_md(sign, EVP_sha256()) != 1 ||
        EVP_PKEY_sign(sign, signature.data(), &signature_size, digest.data(), digest.size()) != 1 || !verify ||
        EVP_PKEY_verify_init(verify) != 1 || EVP_PKEY_CTX_set_signature_md(verify, EVP_sha256()) != 1) {
        state.SkipWithError("OpenSSL set-up failed");
    } else {
        for (auto _ : state) {
            if (EVP_PKEY_verify(verify, signature.data(), signature_size, digest.data(), digest.size()) != 1) {
                state.SkipWithError("raw verify failed");
                break;
            }
        }
    }
    EVP_PKEY_CTX_free(sign);
    EVP_PKEY_CTX_free(verify);
    state.SetItemsProcessed(state.iterations());
}

void BM_RawVerifyRsa2048(benchmark::State& state) { raw_verify_loop(state, rsa_fleet().hosts.front().ak.get()); }
BENCHMARK(BM_RawVerifyRsa2048);

void BM_RawVerifyEcdsaP256(benchmark::State& state) { raw_verify_loop(state, ec_fleet().hosts.front().ak.get()); }
BENCHMARK(BM_RawVerifyEcdsaP256);

// The parts, to see where the time goes.
void BM_ParseEvidenceLog64(benchmark::State& state) {
    static auto p = prepare(test::generate_rsa_key(), {eventlog::alg_sha256});
    for (auto _ : state) benchmark::DoNotOptimize(verifier::parse_evidence(p.document));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseEvidenceLog64);

// The quote alone (tpm2_checkquote mode): signature, nonce, PCR digest.
void BM_QuoteOnlyRsa2048(benchmark::State& state) {
    static auto p = prepare(test::generate_rsa_key(), {eventlog::alg_sha256});
    verifier::Expectations x;
    x.ak = p.key.get();
    x.nonce = p.document.nonce;
    auto document = p.document;
    document.drtm_log.reset();
    for (auto _ : state) {
        auto e = verifier::parse_evidence(document);
        benchmark::DoNotOptimize(verifier::verify(e, x));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuoteOnlyRsa2048);

// The 64-event log alone: parse and replay.
void BM_ParseAndReplayLog64(benchmark::State& state) {
    static auto p = prepare(test::generate_rsa_key(), {eventlog::alg_sha256});
    for (auto _ : state) benchmark::DoNotOptimize(eventlog::replay(eventlog::parse(*p.document.drtm_log)));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndReplayLog64);

}  // namespace

BENCHMARK_MAIN();
