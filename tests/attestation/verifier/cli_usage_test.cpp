// keel verify's command line tells the truth: an option the chosen way in
// does not read is bad input (exit 2) naming it, and a fault on the
// verifier's side (a file or store it cannot open, its HTTP plugin missing,
// an agent it cannot reach) is exit 3, never "not trusted" (1).
#include <filesystem>

#include "attestation/evidence/public_key.hpp"
#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/policy.hpp"
#include "cli_fixture.hpp"

namespace keel::test {
namespace {

class VerifyUsage : public VerifyCli {
protected:
    // A store with host "node-1" enrolled with the fixture's AK, and the
    // genuine evidence as a file.
    VerifyUsage() {
        const auto ak = tpm2b_public(key_, ak_attributes);
        document_.ak_name = evidence::parse_public(ak).name;
        evidence_ = scratch_.write("evidence.json", evidence::write_evidence(document_)).string();
        db_ = (scratch_.path() / "hosts.sqlite").string();
        verifier::HostStore store(db_, verifier::StoreOpening::create_if_missing);
        verifier::HostRecord host;
        host.host_id = "node-1";
        host.ek_public = {1, 2, 3};
        host.ak_public = ak;
        host.ak_name = document_.ak_name;
        host.reference_json = reference_;
        host.policy_json = verifier::write_policy(verifier::Policy{});
        store.enroll(host, false);
    }

    CommandResult keel(std::vector<std::string> args) {
        args.insert(args.begin(), "verify");
        return run_command(KEEL_CLI, args);
    }
    std::vector<std::string> enrolled_evidence() const {
        return {"--db", db_, "--host-id", "node-1", "--evidence", evidence_, "--nonce", eventlog::to_hex(nonce_)};
    }

    std::string evidence_, db_;
};

TEST_F(VerifyUsage, GenuineEvidenceOfTheEnrolledHostIsTrusted) {
    auto r = keel(enrolled_evidence());
    EXPECT_EQ(r.status, 0) << r.out << r.err;
}

// The attack: a quote made by another TPM's AK, given with -m/-s/-u beside
// --db/--host-id. -m used to win: the quote was checked against the key on
// the command line, and the enrolled host came out "trusted". Now the
// options conflict, and every one that does not apply is named.
TEST_F(VerifyUsage, TpmToolsFilesBesideAnEnrolledHostAreBadInput) {
    auto other = generate_rsa_key();
    QuoteContents q;
    q.nonce = nonce_;
    q.selection = full_selection({sha256});
    q.pcrs = launch_pcrs({sha256}, components_);
    const auto forged = sign_quote(other.get(), q);
    const auto msg = scratch_.write("other.msg", as_text(forged.attest)).string();
    const auto sig = scratch_.write("other.sig", as_text(forged.signature)).string();
    const auto pem = scratch_.write("other.pem", public_key_pem(other.get())).string();
    // With the genuine evidence file too: had the other options been ignored, it would be "trusted".
    auto args = enrolled_evidence();
    args.insert(args.end(), {"-m", msg, "-s", sig, "-u", pem});
    auto r = keel(args);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(contains(r.err, "keel verify: -m, -s and -u/--ak-public do not apply to an enrolled host (--db, "
                                "--host-id): it is verified with the AK, reference values and policy it was "
                                "enrolled with"))
        << r.err;
    // Without the evidence file: the same sentence, not a complaint that --evidence is missing.
    r = keel({"--db", db_, "--host-id", "node-1", "-m", msg, "-s", sig, "-u", pem, "-q", eventlog::to_hex(nonce_)});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "-m, -s and -u/--ak-public do not apply to an enrolled host")) << r.err;
}

TEST_F(VerifyUsage, OptionsThatWouldBeIgnoredAreBadInputNamingThem) {
    const auto policy = scratch_.write("policy.json", verifier::write_policy(verifier::Policy{})).string();
    const auto reference = scratch_.write("reference.json", reference_).string();
    const auto nonce = eventlog::to_hex(nonce_);
    for (const auto& [args, words] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--db", db_, "--host-id", "node-1", "--agent", "http://127.0.0.1:1", "--policy", policy},
              "--policy does not apply to an enrolled host"},
             {{"--db", db_, "--host-id", "node-1", "--evidence", evidence_, "--nonce", nonce, "--reference", reference,
               "-u", pem_},
              "--reference and -u/--ak-public do not apply to an enrolled host"},
             {{"--db", db_, "--host-id", "node-1", "--agent", "http://127.0.0.1:1", "--nonce", nonce},
              "-q/--nonce does not apply with --agent: keel verify makes a fresh nonce for each request"},
             {{"--db", db_, "--host-id", "node-1", "--agent", "http://127.0.0.1:1", "--evidence", evidence_},
              "--agent and --evidence conflict"},
             {{"--host-id", "node-1", "--evidence", evidence_, "--nonce", nonce}, "--host-id needs --db"},
             {{"--evidence", evidence_, "--nonce", nonce, "-u", pem_, "--reference", reference, "-g", "sha1", "-s",
               sig_},
              "-g and -s do not apply to an evidence file (--evidence)"},
             {{"-m", msg_, "-s", sig_, "-u", pem_, "--evidence", evidence_},
              "--evidence does not apply to tpm2_quote's "
              "files (-m)"},
             {{"-m", msg_, "-s", sig_, "-u", pem_, "-l", "sha256:17"}, "-l does not apply without -f"},
             {{"-m", msg_, "-s", sig_, "-u", pem_, "-F", "values"}, "-F does not apply without -f"},
             {{"-s", sig_, "-u", pem_}, "-s and -u/--ak-public do not apply without something to verify"},
             {{"--json"}, "nothing to verify"},
         }) {
        auto r = keel(args);
        EXPECT_EQ(r.status, 2) << words << ": " << r.out << r.err;
        EXPECT_TRUE(contains(r.err, "keel verify: " + words)) << words << ": " << r.err;
        EXPECT_TRUE(r.out.empty()) << words << ": " << r.out;
    }
}

TEST_F(VerifyUsage, AMistypedDbIsALocalFaultAndCreatesNoStore) {
    const auto missing = (scratch_.path() / "hsots.sqlite").string();
    auto args = enrolled_evidence();
    args[1] = missing;
    auto r = keel(args);
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    EXPECT_TRUE(
        contains(r.err, "keel verify: could not appraise (local fault): host store " + missing + ": no such file"))
        << r.err;
    EXPECT_FALSE(std::filesystem::exists(missing));
    // A file that is not a store: a local fault too, and left alone.
    args[1] = evidence_;
    r = keel(args);
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "could not appraise (local fault): host store " + evidence_)) << r.err;
}

TEST_F(VerifyUsage, AFileThatCannotBeReadIsALocalFault) {
    auto args = enrolled_evidence();
    args[5] = (scratch_.path() / "no-such-evidence.json").string();
    auto r = keel(args);
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "could not appraise (local fault): " + args[5] + ": cannot open")) << r.err;
    r = keel({"-m", msg_, "-s", (scratch_.path() / "no.sig").string(), "-u", pem_});
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    // Malformed content stays bad input.
    r = keel({"-m", msg_, "-s", msg_, "-u", pem_});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
}

TEST_F(VerifyUsage, AnAgentThatCannotBeReachedIsALocalFaultNotAnUntrustedHost) {
    // Port 1 on loopback: nothing listens there.
    auto r = keel({"--db", db_, "--host-id", "node-1", "--agent", "http://127.0.0.1:1"});
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "could not appraise (local fault): cannot reach the agent at http://127.0.0.1:1"))
        << r.err;
    EXPECT_FALSE(contains(r.err + r.out, "NOT trusted")) << r.err;
}

TEST_F(VerifyUsage, AMissingHttpPluginIsALocalFault) {
    // keel without the libkeel-http.so that lives next to it.
    const auto alone = scratch_.path() / "alone";
    std::filesystem::create_directories(alone);
    std::filesystem::copy_file(KEEL_CLI, alone / "keel");
    auto r = run_command((alone / "keel").string(),
                         {"verify", "--db", db_, "--host-id", "node-1", "--agent", "http://127.0.0.1:1"});
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    EXPECT_TRUE(
        contains(r.err, "could not appraise (local fault): cannot load " + (alone / "libkeel-http.so").string()))
        << r.err;
}

}  // namespace
}  // namespace keel::test
