// In-process verification throughput (Google Benchmark): one iteration is
// what a verifier service does per request once the host's AK key is loaded
// from its store: parse the evidence's TPM structures and the DRTM event log
// (64 events), then every check: signature, nonce, PCR digest, clock, banks,
// DRTM, replay of the log in every bank, reference values.
//   build/tools/bench/keel-verify-bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/eventlog/replay.hpp"
#include "attestation/evidence/evidence_document.hpp"
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
    auto components = test::keel_components();
    for (std::size_t i = components.size(); i < log_events; ++i)
        components.push_back({"module-" + std::to_string(i), 19, 0x602, "", {std::uint8_t(i), 1, 2, 3}});
    test::QuoteContents q;
    q.nonce = evidence::Bytes(32, 0x42);
    q.selection = test::full_selection(banks);
    q.pcrs = test::launch_pcrs(banks, components);
    auto quote = test::sign_quote(key.get(), q);
    Prepared p{std::move(key), {}, eventlog::parse_reference_values(test::reference_json(banks, components)), {}};
    auto& d = p.document;
    d.nonce = q.nonce;
    d.attest = quote.attest;
    d.signature = quote.signature;
    d.pcr_selection = evidence::marshal_pcr_selection(q.selection);
    d.pcr_values = test::pcr_read_lists(q.selection, q.pcrs);
    d.drtm_log = test::drtm_log(banks, components);
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
