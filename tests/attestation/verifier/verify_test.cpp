// The verifier's checks on evidence made in software (synthetic_launch.hpp):
// the whole evidence is trusted, and each single change makes exactly the
// named check fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/verifier.hpp"
#include "synthetic_launch.hpp"

namespace keel::test {
namespace {

using verifier::Status;
constexpr std::uint16_t sha1 = eventlog::alg_sha1;
constexpr std::uint16_t sha256 = eventlog::alg_sha256;

struct Scenario {
    std::vector<std::uint16_t> banks{sha1, sha256};
    std::vector<Component> log_components = keel_components();  // what the log says
    std::vector<Component> measured = keel_components();  // what reached the PCRs
    std::vector<Component> reference = keel_components();
    QuoteContents quote;
    EVP_PKEY* signing_key = nullptr;  // default: the AK
    bool with_log = true;
    std::vector<std::uint16_t> log_banks;  // default: banks
    std::function<void(verifier::Evidence&)> edit_parsed;  // what a hostile agent does past the parser
};

class VerifyTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ak_ = generate_rsa_key().release();
        other_ = generate_rsa_key().release();
    }
    static void TearDownTestSuite() {
        EVP_PKEY_free(ak_);
        EVP_PKEY_free(other_);
    }

    Scenario scenario() {
        Scenario s;
        s.quote.nonce = nonce_;
        return s;
    }

    // Builds the evidence document as an agent would, parses it as the
    // verifier does, and appraises it.
    verifier::AttestationResult run(Scenario s, std::function<void(evidence::EvidenceDocument&)> edit = {},
                                    std::function<void(eventlog::ReferenceValues&)> edit_reference = {}) {
        if (s.quote.selection.empty()) s.quote.selection = full_selection(s.banks);
        if (s.quote.pcrs.empty()) s.quote.pcrs = launch_pcrs(s.banks, s.measured);
        auto quote = sign_quote(s.signing_key ? s.signing_key : ak_, s.quote);
        evidence::EvidenceDocument d;
        d.nonce = s.quote.nonce;
        d.ak_name = ak_name_;
        d.attest = quote.attest;
        d.signature = quote.signature;
        d.pcr_selection = evidence::marshal_pcr_selection(s.quote.selection);
        d.pcr_values = pcr_read_lists(s.quote.selection, s.quote.pcrs);
        if (s.with_log) d.drtm_log = drtm_log(s.log_banks.empty() ? s.banks : s.log_banks, s.log_components);
        if (edit) edit(d);
        // Through the wire format and back, as between agent and verifier.
        auto e = verifier::parse_evidence(evidence::parse_evidence(evidence::write_evidence(d)));
        if (s.edit_parsed) s.edit_parsed(e);
        reference_ =
            eventlog::parse_reference_values(reference_json(s.log_banks.empty() ? s.banks : s.log_banks, s.reference));
        if (edit_reference) {
            // The prediction `keel measure` writes: the PCRs of the reference launch.
            auto banks = s.log_banks.empty() ? s.banks : s.log_banks;
            auto pcrs = launch_pcrs(banks, s.reference);
            for (auto bank : banks)
                for (std::uint32_t pcr : {17u, 18u, 19u}) reference_.pcrs[bank][pcr] = pcrs[bank][pcr];
            edit_reference(reference_);
        }
        expect_.ak = ak_;
        expect_.nonce = nonce_;
        expect_.enrolled_ak_name = ak_name_;
        expect_.host_id = "host-1";
        expect_.policy = &policy_;
        expect_.reference = &reference_;
        return verifier::verify(e, expect_);
    }

    // Exactly the checks in `failed` failed.
    static void expect_failures(const verifier::AttestationResult& r, std::vector<std::string> failed) {
        std::vector<std::string> actual;
        for (const auto& c : r.checks)
            if (c.status == Status::fail) actual.push_back(c.id);
        EXPECT_EQ(actual, failed) << verifier::result_text(r);
        EXPECT_FALSE(r.trusted());
    }

    static std::string message(const verifier::AttestationResult& r, const std::string& id) {
        auto c = r.find(id);
        return c ? c->message : "";
    }

    static EVP_PKEY* ak_;
    static EVP_PKEY* other_;
    Bytes nonce_ = Bytes(32, 0x5a);
    Bytes ak_name_ = Bytes{0x00, 0x0b, 1, 2, 3};
    verifier::Policy policy_;
    eventlog::ReferenceValues reference_;
    verifier::Expectations expect_;
};

EVP_PKEY* VerifyTest::ak_ = nullptr;
EVP_PKEY* VerifyTest::other_ = nullptr;

TEST_F(VerifyTest, CompleteEvidenceIsTrusted) {
    auto r = run(scenario());
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    EXPECT_EQ(r.find("quote.clock")->status, Status::skipped);  // first quote of the host
    EXPECT_EQ(r.find("eventlog.boot")->status, Status::skipped);
    ASSERT_EQ(r.components.size(), 5u);
    EXPECT_EQ(r.components[2].name, "hypervisor");
    EXPECT_TRUE(r.components[2].in_reference);
    ASSERT_TRUE(r.clock);
    EXPECT_EQ(r.clock->reset_count, 3u);
    EXPECT_NE(verifier::result_json(r).find("\"verdict\": \"trusted\""), std::string::npos);
}

TEST_F(VerifyTest, EcdsaAttestationKeyIsTrusted) {
    auto ec = generate_ec_key();
    EVP_PKEY* rsa = ak_;
    ak_ = ec.get();  // both the signer and the key the verifier expects
    auto r = run(scenario());
    ak_ = rsa;
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    EXPECT_NE(message(r, "quote.signature").find("ECDSA-sha256"), std::string::npos);
}

TEST_F(VerifyTest, WrongNonce) {
    auto s = scenario();
    s.quote.nonce = Bytes(32, 0x11);
    auto r = run(s, [&](auto& d) { d.nonce = nonce_; });
    expect_failures(r, {"quote.nonce"});
    EXPECT_NE(message(r, "quote.nonce").find("1111"), std::string::npos);
}

TEST_F(VerifyTest, SignatureBitFlip) {
    auto r = run(scenario(), [](auto& d) { d.signature[d.signature.size() / 2] ^= 0x01; });
    expect_failures(r, {"quote.signature"});
}

TEST_F(VerifyTest, QuoteFromAnotherKey) {
    auto s = scenario();
    s.signing_key = other_;
    expect_failures(run(s), {"quote.signature"});
}

// The key's public area shows what it is. An unrestricted signing key signs
// any bytes, so a TPMS_ATTEST made in software (this one) signed by such a key
// verifies and proves nothing: not trusted, whatever the quote says.
TEST_F(VerifyTest, QuoteFromAnUnrestrictedKeyFails) {
    const auto unrestricted = evidence::parse_public(tpm2b_public(ak_, ak_attributes & ~attribute_restricted));
    expect_.ak_public = &unrestricted;
    auto r = run(scenario());
    expect_failures(r, {"quote.signature"});
    EXPECT_NE(message(r, "quote.signature")
                  .find("the key is not a restricted signing key: the key is not restricted: an unrestricted TPM key "
                        "can sign any bytes, including a forged TPMS_ATTEST"),
              std::string::npos)
        << message(r, "quote.signature");
    EXPECT_FALSE(r.clock);  // its counters are not recorded either
}

TEST_F(VerifyTest, RestrictedSigningKeyWithItsPublicAreaIsTrusted) {
    const auto restricted = evidence::parse_public(tpm2b_public(ak_, ak_attributes));
    expect_.ak_public = &restricted;
    auto r = run(scenario());
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    EXPECT_EQ(message(r, "quote.signature").find("not checked"), std::string::npos) << message(r, "quote.signature");
    expect_.ak_public = nullptr;  // as from PEM: accepted, with a note
    r = run(scenario());
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    EXPECT_NE(message(r, "quote.signature").find("that it is a restricted signing key was not checked"),
              std::string::npos)
        << message(r, "quote.signature");
}

// A decrypt key (sign clear, or sign and decrypt both set) is no quote signer either.
TEST_F(VerifyTest, QuoteFromASigningAndDecryptingKeyFails) {
    const auto both = evidence::parse_public(tpm2b_public(ak_, (ak_attributes & ~attribute_restricted) | (1u << 17)));
    expect_.ak_public = &both;
    auto r = run(scenario());
    expect_failures(r, {"quote.signature"});
    EXPECT_NE(message(r, "quote.signature").find("can decrypt"), std::string::npos) << message(r, "quote.signature");
}

TEST_F(VerifyTest, EvidenceNamesAnotherAttestationKey) {
    auto r = run(scenario(), [](auto& d) { d.ak_name = Bytes{0x00, 0x0b, 9, 9, 9}; });
    expect_failures(r, {"ak.enrolled"});
}

TEST_F(VerifyTest, PcrValueAltered) {
    auto r = run(scenario(), [](auto& d) { d.pcr_values[0].back() ^= 0x80; });
    expect_failures(r, {"quote.pcr_digest"});
}

TEST_F(VerifyTest, NotAQuote) {
    auto s = scenario();
    s.quote.type = 0x8017;  // TPM_ST_ATTEST_CERTIFY
    expect_failures(run(s), {"quote.format", "quote.pcr_digest"});  // a certification carries no PCRs
}

TEST_F(VerifyTest, WrongMagicIsMalformed) {
    auto s = scenario();
    s.quote.magic = 0x12345678;
    EXPECT_THROW(run(s), evidence::ParseError);
}

TEST_F(VerifyTest, EventRemovedFromLog) {
    auto s = scenario();
    s.log_components.erase(s.log_components.begin() + 1);  // slb-loader
    auto r = run(s);
    expect_failures(r, {"eventlog.drtm", "reference.required"});
    EXPECT_NE(message(r, "eventlog.drtm").find("PCR 17"), std::string::npos);
    EXPECT_NE(message(r, "reference.required").find("\"slb-loader\" is missing"), std::string::npos);
}

TEST_F(VerifyTest, EventInsertedIntoLog) {
    auto s = scenario();
    s.log_components.push_back({"rootkit", 19, 0x602, "", {1, 2, 3}});
    auto r = run(s);
    expect_failures(r, {"eventlog.drtm", "reference.components"});
    EXPECT_NE(message(r, "eventlog.drtm").find("PCR 19"), std::string::npos);
    EXPECT_NE(message(r, "reference.components").find("\"rootkit\""), std::string::npos);
}

TEST_F(VerifyTest, EventsReordered) {
    auto s = scenario();
    std::swap(s.log_components[1], s.log_components[2]);
    auto r = run(s);
    expect_failures(r, {"eventlog.drtm", "reference.required"});
    EXPECT_NE(message(r, "reference.required").find("out of order"), std::string::npos);
}

TEST_F(VerifyTest, EventDigestAltered) {
    auto s = scenario();
    s.log_components[2].measured.push_back('!');  // the log claims another hypervisor than the TPM measured
    auto r = run(s);
    expect_failures(r, {"eventlog.drtm", "reference.components"});
    EXPECT_NE(message(r, "reference.components").find("\"hypervisor\""), std::string::npos);
}

TEST_F(VerifyTest, ComponentNotInReferenceValues) {
    auto s = scenario();
    Component extra{"debug-shell", 19, 0x602, "", {7, 7, 7}};
    s.log_components.push_back(extra);
    s.measured.push_back(extra);
    auto r = run(s);
    expect_failures(r, {"reference.components"});
    EXPECT_NE(
        message(r, "reference.components").find("\"debug-shell\" (PCR 19, event 6): it is not in the reference values"),
        std::string::npos)
        << message(r, "reference.components");
}

TEST_F(VerifyTest, ComponentDigestDiffersFromReference) {
    auto s = scenario();
    s.reference[4].measured = {0xba, 0xd};
    auto r = run(s);
    expect_failures(r, {"reference.components"});
    EXPECT_NE(message(r, "reference.components").find("is not the reference value"), std::string::npos);
}

// Two guests' kernels share the name "kernel": the one whose digest is not
// the reference value is told apart by its detail, and the reason given is
// its digest, not that the other one's detail differs.
TEST_F(VerifyTest, AChangedComponentAmongSeveralOfItsNameIsNamedForItsDigest) {
    auto s = scenario();
    Component mgmt{"kernel", 19, 0x602, "kernel mgmt", {1, 2, 3}}, work{"kernel", 19, 0x602, "kernel work", {1, 2, 3}};
    for (auto* list : {&s.log_components, &s.measured, &s.reference}) {
        list->push_back(mgmt);
        list->push_back(work);
    }
    s.reference[s.reference.size() - 2].measured = {0xba, 0xd};  // the management VM's kernel
    auto r = run(s);
    expect_failures(r, {"reference.components"});
    const std::string m = message(r, "reference.components");
    EXPECT_NE(m.find("\"kernel\" (PCR 19, event"), std::string::npos) << m;
    EXPECT_NE(m.find("is not the reference value"), std::string::npos) << m;
    EXPECT_EQ(m.find("differs from the reference values"), std::string::npos) << m;
}

// The memory map is each host's own: reference values that leave it
// host-specific accept any map, but only one whose detail (what a verifier
// shows) is what the PCR was extended with.
TEST_F(VerifyTest, HostSpecificMemoryMapIsTrustedOnlyIfItsDetailWasMeasured) {
    const std::string map = "0x0-0x9fbff usable\n0x100000-0x1ffcefff usable\n";
    auto s = scenario();
    Component memory_map{"memory-map", 18, 0x605, map, Bytes(map.begin(), map.end())};
    s.log_components.push_back(memory_map);
    s.measured.push_back(memory_map);
    s.reference.push_back(memory_map);
    auto host_specific = [](eventlog::ReferenceValues& ref) {
        auto& c = ref.components.back();
        c.host_specific = true;
        c.detail.clear();
        c.digests.clear();
        for (auto& [bank, pcrs] : ref.pcrs) pcrs.erase(18);
    };
    auto r = run(s, {}, host_specific);
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    ASSERT_EQ(r.components.size(), 6u);
    EXPECT_TRUE(r.components[5].host_specific);
    EXPECT_FALSE(r.components[2].host_specific);
    EXPECT_NE(verifier::result_text(r).find("memory-map \"0x0-0x9fbff usable\\n0x100000-0x1ffcefff usable\\n\"  "
                                            "(host-specific in the reference values"),
              std::string::npos)
        << verifier::result_text(r);
    EXPECT_NE(verifier::result_json(r).find("\"host_specific\": true"), std::string::npos);

    s.log_components.back().detail = "0x0-0x9fbff usable\n0x100000-0x7fffffff usable\n";  // measured: the old map
    r = run(s, {}, host_specific);
    expect_failures(r, {"reference.components"});
    EXPECT_NE(message(r, "reference.components").find("is not the hash of its detail"), std::string::npos)
        << message(r, "reference.components");
}

// A detail is the log's text, and the log is the attacker's: printed raw, an
// escape sequence in it would drive the reader's terminal (clear the screen,
// rewrite the verdict line).
TEST_F(VerifyTest, ComponentDetailsAreEscapedInTheTextResult) {
    auto s = scenario();
    s.log_components[2].detail = "debug-exit=0xf4\x1b[2J\x1b[1AVerdict: trusted\n";
    s.log_components[4].name = "guest\x1b[8m";
    auto text = verifier::result_text(run(s));
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_NE(text.find("hypervisor \"debug-exit=0xf4\\x1b[2J"), std::string::npos) << text;
}

TEST_F(VerifyTest, RequiredComponentMissing) {
    policy_.required_components = std::vector<std::string>{"slb", "hypervisor", "initrd"};
    auto r = run(scenario());
    expect_failures(r, {"reference.required"});
    EXPECT_NE(message(r, "reference.required").find("\"initrd\" is missing"), std::string::npos);
}

TEST_F(VerifyTest, Pcr17AllOnesMeansNoLaunch) {
    auto s = scenario();
    s.with_log = false;
    s.quote.pcrs = launch_pcrs(s.banks, {});
    for (auto bank : s.banks) std::fill(s.quote.pcrs[bank][17].begin(), s.quote.pcrs[bank][17].end(), 0xff);
    auto r = run(s);
    expect_failures(r, {"drtm.launched", "eventlog.drtm", "reference.components", "reference.required"});
    EXPECT_NE(message(r, "drtm.launched").find("no dynamic launch took place"), std::string::npos);
}

TEST_F(VerifyTest, ResetCounterBackwards) {
    expect_.last_clock = evidence::ClockInfo{500, 5, 0, true};
    auto r = run(scenario());
    expect_failures(r, {"quote.clock"});
    EXPECT_NE(message(r, "quote.clock").find("reset counter went backwards"), std::string::npos);
}

TEST_F(VerifyTest, RestartCounterAndClockBackwards) {
    expect_.last_clock = evidence::ClockInfo{500, 3, 1, true};
    expect_failures(run(scenario()), {"quote.clock"});
    expect_.last_clock = evidence::ClockInfo{5000, 3, 0, true};
    expect_failures(run(scenario()), {"quote.clock"});
    expect_.last_clock = evidence::ClockInfo{999, 3, 0, true};
    EXPECT_TRUE(run(scenario()).trusted());
}

TEST_F(VerifyTest, UnsafeClockIsNotedNotRefused) {
    auto s = scenario();
    s.quote.clock.safe = false;
    expect_.last_clock = evidence::ClockInfo{500, 2, 0, true};
    auto r = run(s);
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    EXPECT_NE(message(r, "quote.clock").find("not safe"), std::string::npos);
}

TEST_F(VerifyTest, Sha1OnlyEvidenceWhenPolicyRequiresSha256) {
    auto s = scenario();
    s.banks = {sha1};
    auto r = run(s);
    expect_failures(r, {"policy.banks"});
    EXPECT_NE(message(r, "policy.banks").find("covers sha1 only; the policy requires sha256"), std::string::npos);
}

TEST_F(VerifyTest, MissingDrtmLog) {
    auto s = scenario();
    s.with_log = false;
    expect_failures(run(s), {"eventlog.drtm", "reference.components", "reference.required"});
}

TEST_F(VerifyTest, DrtmLogMayNotExtendStaticPcrs) {
    auto s = scenario();
    s.log_components.push_back({"bios", 4, 0x602, "", {1}});
    s.measured.push_back({"bios", 4, 0x602, "", {1}});
    auto r = run(s);
    EXPECT_EQ(r.find("eventlog.drtm")->status, Status::fail);
    EXPECT_NE(message(r, "eventlog.drtm").find("PCR 4, which is not a DRTM PCR"), std::string::npos);
}

// An event the launch never measured, carrying only a digest of a bank the
// quote does not cover: the quoted bank's replay skips it, so it must count
// as unreplayable, never as measured (found by review).
TEST_F(VerifyTest, InventedEventWithoutTheQuotedBanksDigestFails) {
    auto s = scenario();
    s.banks = {sha256};
    s.log_banks = {sha256, eventlog::alg_sha384};
    Component invented{"initrd", 19, 0x602, "", {6, 6, 6}};
    s.log_components.push_back(invented);
    s.reference.push_back(invented);
    s.edit_parsed = [](verifier::Evidence& e) {
        auto log = std::make_shared<eventlog::EventLog>(*e.drtm_log);
        auto& ev = log->events.back();
        ev.digests = ev.digests.subspan(1);  // keep only sha384
        e.drtm_log = log;
    };
    auto r = run(s);
    EXPECT_FALSE(r.trusted()) << verifier::result_text(r);
    EXPECT_EQ(r.find("eventlog.drtm")->status, Status::fail);
    EXPECT_NE(message(r, "eventlog.drtm").find("carries no sha256 digest"), std::string::npos)
        << message(r, "eventlog.drtm");
}

// Only the digests of banks whose replay matched the quote are evidence.
TEST_F(VerifyTest, ComponentsAreJudgedByVerifiedBanksOnly) {
    auto s = scenario();
    s.banks = {sha256};
    s.log_banks = {sha256, eventlog::alg_sha384};
    s.reference[2].measured = {0xee};  // the reference hypervisor differs from the measured one...
    // The parsed log's events point into its storage: the edited digests live here.
    auto claimed = std::make_shared<std::pair<Bytes, std::vector<eventlog::Digest>>>();
    s.edit_parsed = [&s, claimed](verifier::Evidence& e) {
        // ...and the log claims the reference's sha384 digest for it, which nothing verified.
        auto reference = eventlog::parse_reference_values(reference_json(s.log_banks, s.reference));
        auto& [value, digests] = *claimed;
        value = reference.components[2].digests.at(eventlog::alg_sha384);
        auto log = std::make_shared<eventlog::EventLog>(*e.drtm_log);
        auto& ev = log->events[3];
        digests.assign(ev.digests.begin(), ev.digests.end());
        for (auto& d : digests)
            if (d.algorithm == eventlog::alg_sha384) d.value = value;
        ev.digests = digests;
        e.drtm_log = log;
    };
    auto r = run(s);
    expect_failures(r, {"reference.components"});
    EXPECT_NE(message(r, "reference.components").find("sha256 digest"), std::string::npos);
}

// A quote that covers none of the DRTM PCRs verifies nothing about the log.
TEST_F(VerifyTest, QuoteWithoutDrtmPcrsDoesNotVerifyTheLog) {
    auto s = scenario();
    s.quote.selection = {{sha256, {0}}};
    expect_.policy = nullptr;  // tpm2_checkquote mode with reference values
    auto q = s.quote;
    q.pcrs = launch_pcrs(s.banks, s.measured);
    auto quote = sign_quote(ak_, q);
    verifier::Evidence e;
    e.attest_bytes = quote.attest;
    e.attest = evidence::parse_attest(quote.attest);
    e.signature = evidence::parse_signature(quote.signature);
    e.pcr_selection = q.selection;
    e.pcr_values[sha256][0] = q.pcrs[sha256][0];
    auto log = drtm_log(s.banks, s.log_components);
    e.drtm_log = std::make_shared<const eventlog::EventLog>(eventlog::parse(log));
    auto reference = eventlog::parse_reference_values(reference_json(s.banks, s.reference));
    verifier::Expectations x;
    x.ak = ak_;
    x.nonce = nonce_;
    x.reference = &reference;
    auto r = verifier::verify(e, x);
    EXPECT_FALSE(r.trusted()) << verifier::result_text(r);
    EXPECT_EQ(r.find("eventlog.drtm")->status, Status::fail);
    EXPECT_NE(message(r, "eventlog.drtm").find("no quoted bank verifies"), std::string::npos);
}

// The order of events in different PCRs is not covered by any PCR: only the
// order within one PCR is checked.
TEST_F(VerifyTest, RequiredOrderCountsWithinOnePcrOnly) {
    policy_.required_components = std::vector<std::string>{"guest", "launch-manifest", "slb", "hypervisor"};
    EXPECT_TRUE(run(scenario()).trusted());
    policy_.required_components = std::vector<std::string>{"hypervisor", "slb"};
    auto r = run(scenario());
    expect_failures(r, {"reference.required"});
    EXPECT_NE(message(r, "reference.required").find("out of order in PCR 17"), std::string::npos);
}

TEST_F(VerifyTest, QuotedPcrsMustEqualThePredictionWhenTheWholeReferenceIsRequired) {
    auto s = scenario();
    auto r = run(s, {}, [](eventlog::ReferenceValues& ref) { ref.pcrs[sha256][19] = Bytes(32, 0x19); });
    expect_failures(r, {"reference.required"});
    EXPECT_NE(message(r, "reference.required").find("sha256 PCR 19 is"), std::string::npos);
}

TEST_F(VerifyTest, EmptyNonceIsNeverFreshInKeelsAppraisal) {
    auto s = scenario();
    s.quote.nonce.clear();
    nonce_.clear();
    auto r = run(s);
    expect_failures(r, {"quote.nonce"});
}

TEST_F(VerifyTest, TooManyEventsIsMalformed) {
    auto s = scenario();
    for (int i = 0; i < 4100; ++i) s.log_components.push_back({"m", 19, 0x602, "", {1}});
    EXPECT_THROW(run(s), evidence::ParseError);
}

TEST_F(VerifyTest, Tpm2CheckquoteModeChecksTheQuoteOnly) {
    auto s = scenario();
    s.with_log = false;
    expect_.policy = nullptr;
    auto q = s.quote;
    q.selection = full_selection(s.banks);
    q.pcrs = launch_pcrs(s.banks, {});
    auto quote = sign_quote(ak_, q);
    verifier::Evidence e;
    e.attest_bytes = quote.attest;
    e.attest = evidence::parse_attest(quote.attest);
    e.signature = evidence::parse_signature(quote.signature);
    e.pcr_selection = q.selection;
    e.pcr_values = q.pcrs;
    verifier::Expectations x;
    x.ak = ak_;
    x.nonce = nonce_;
    auto r = verifier::verify(e, x);
    EXPECT_TRUE(r.trusted()) << verifier::result_text(r);
    EXPECT_EQ(r.find("drtm.launched")->status, Status::skipped);
    // Without a policy the host was not appraised, and the result never says "trusted".
    EXPECT_FALSE(r.appraisal);
    EXPECT_NE(verifier::result_text(r).find("Verdict: quote verified; the host was NOT appraised"), std::string::npos);
    EXPECT_EQ(verifier::result_text(r).find("Verdict: trusted"), std::string::npos);
    EXPECT_NE(verifier::result_json(r).find("\"verdict\": \"quote-verified\""), std::string::npos);
    x.signature_hash = sha1;
    auto noted = verifier::verify(e, x);
    EXPECT_TRUE(noted.trusted());
    EXPECT_NE(message(noted, "quote.signature").find("-g named sha1"), std::string::npos);
}

}  // namespace
}  // namespace keel::test
