// keel verify on tpm2_quote's files, in each format tpm2_quote writes (bare
// signatures, -F values PCR files with -l), saying what it established
// without a policy instead of "trusted". The quotes are made in software,
// as tpm2_quote lays them out (verify.interop.* checks real ones).
#include <openssl/ecdsa.h>

#include "attestation/evidence/tpm_types.hpp"
#include "cli_fixture.hpp"

namespace keel::test {
namespace {

const Bytes all_ones(32, 0xff);

// The bare signature tpm2_quote -f plain writes: an RSA signature's bytes,
// an ECDSA signature as DER.
Bytes plain_signature(const Bytes& tpmt_signature) {
    const auto sig = evidence::parse_signature(tpmt_signature);
    if (sig.sig_alg != evidence::alg_ecdsa) return sig.rsa_signature;
    ECDSA_SIG* ecdsa = ECDSA_SIG_new();
    ECDSA_SIG_set0(ecdsa, BN_bin2bn(sig.ecdsa_r.data(), static_cast<int>(sig.ecdsa_r.size()), nullptr),
                   BN_bin2bn(sig.ecdsa_s.data(), static_cast<int>(sig.ecdsa_s.size()), nullptr));
    Bytes der(static_cast<std::size_t>(i2d_ECDSA_SIG(ecdsa, nullptr)));
    unsigned char* p = der.data();
    i2d_ECDSA_SIG(ecdsa, &p);
    ECDSA_SIG_free(ecdsa);
    return der;
}

// A quote of sha256 PCRs 16-18 as on a machine that booted without a dynamic
// launch (17 and 18 all ones), with its PCR file as tpm2_quote -F values
// writes it: the three digests, nothing else.
class Checkquote : public VerifyCli {
protected:
    Checkquote() {
        QuoteContents q;
        q.nonce = nonce_;
        q.selection = {{sha256, {16, 17, 18}}};
        q.pcrs[sha256] = {{16, Bytes(32, 0)}, {17, all_ones}, {18, all_ones}};
        no_launch_ = sign_quote(key_, q);
        msg16_ = scratch_.write("q16.msg", as_text(no_launch_.attest)).string();
        sig16_ = scratch_.write("q16.sig", as_text(no_launch_.signature)).string();
        plain16_ = scratch_.write("q16.plain", as_text(plain_signature(no_launch_.signature))).string();
        Bytes values(32, 0);
        values.insert(values.end(), all_ones.begin(), all_ones.end());
        values.insert(values.end(), all_ones.begin(), all_ones.end());
        values_ = scratch_.write("q16.values", as_text(values)).string();
    }
    CommandResult checkquote_of(std::vector<std::string> extra) {
        std::vector<std::string> args = {"verify", "-u", pem_, "-m", msg16_, "-q", eventlog::to_hex(nonce_)};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_command(KEEL_CLI, args);
    }

    SignedQuote no_launch_;
    std::string msg16_, sig16_, plain16_, values_;
};

// tpm2_checkquote says only that the quote verifies; keel verify used to
// print "Verdict: trusted" above eight skipped checks. Now it says what was
// established, what was not checked, and that PCR 17 shows no launch.
TEST_F(Checkquote, SaysWhatWasEstablishedAndThatNoDynamicLaunchTookPlace) {
    auto r = checkquote_of({"-s", sig16_, "-f", values_, "-l", "sha256:16,17,18", "-F", "values"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;  // the quote verifies, as tpm2_checkquote says
    EXPECT_FALSE(contains(r.out, "trusted\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "Established: TPM-generated quote (quote.format), signature (quote.signature), "
                                "nonce (quote.nonce), PCR digest (quote.pcr_digest)\n"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "Not checked: ak.enrolled, quote.clock, policy.banks, drtm.launched, eventlog.drtm, "
                                "eventlog.boot, reference.components, reference.required\n"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "No dynamic launch took place: sha256 PCR 17 reads all ones")) << r.out;
    EXPECT_TRUE(contains(r.out, "Verdict: quote verified; the host was NOT appraised")) << r.out;

    r = checkquote_of({"-s", sig16_, "-f", values_, "-l", "sha256:16,17,18", "--json"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "\"verdict\": \"quote-verified\"")) << r.out;
    EXPECT_TRUE(contains(r.out, "\"appraised\": false")) << r.out;
    EXPECT_TRUE(contains(r.out, "\"no_dynamic_launch\": \"sha256 PCR 17 reads all ones")) << r.out;

    // Without a nonce or PCR values, neither is claimed.
    r = run_command(KEEL_CLI, {"verify", "-u", pem_, "-m", msg16_, "-s", sig16_});
    EXPECT_EQ(r.status, 1) << r.out << r.err;  // the quote carries a nonce nobody asked for
    r = checkquote_of({"-s", sig16_});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Established: TPM-generated quote (quote.format), signature (quote.signature), "
                                "nonce (quote.nonce)\n"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "Not checked: ak.enrolled, quote.pcr_digest,")) << r.out;
    EXPECT_FALSE(contains(r.out, "No dynamic launch")) << "PCR values no digest vouched for: " << r.out;
}

// With a policy the drop-in appraises the host, and a boot without DRTM is
// not trusted.
TEST_F(Checkquote, WithAPolicyNoLaunchIsNotTrusted) {
    const auto policy = scratch_.write("policy.json", R"({"format": "keel-attestation-policy", "version": 1})");
    auto r = checkquote_of({"-s", sig16_, "-f", values_, "-l", "sha256:16,17,18", "--policy", policy.string()});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "fail    drtm.launched         sha256 PCR 17 reads ffff")) << r.out;
    EXPECT_TRUE(contains(r.out, "Verdict: NOT trusted")) << r.out;
}

// tpm2_quote -f plain: the bare signature, whose hash is -g's (default
// sha256), as tpm2_checkquote reads it: -g sha1 makes it fail there too.
TEST_F(Checkquote, ReadsBareSignatures) {
    auto r = checkquote_of({"-s", plain16_, "-f", values_, "-l", "sha256:16,17,18"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "a bare signature, tpm2_quote -f plain: its hash is sha256, -g's default")) << r.out;
    r = checkquote_of({"-s", plain16_, "-f", values_, "-l", "sha256:16,17,18", "-g", "sha256"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    r = checkquote_of({"-s", plain16_, "-f", values_, "-l", "sha256:16,17,18", "-g", "sha1"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "fail    quote.signature")) << r.out;
    // A TPMT_SIGNATURE names its hash, which wins over -g (tpm2_checkquote's rule), with a note.
    r = checkquote_of({"-s", sig16_, "-f", values_, "-l", "sha256:16,17,18", "-g", "sha1"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "-g named sha1; the signature's own hash was used")) << r.out;

    // ECDSA: DER.
    auto ec = generate_ec_key();
    QuoteContents q;
    q.nonce = nonce_;
    q.selection = {{sha256, {16, 17, 18}}};
    q.pcrs[sha256] = {{16, Bytes(32, 0)}, {17, all_ones}, {18, all_ones}};
    const auto quote = sign_quote(ec.get(), q);
    const auto ec_pem = scratch_.write("ec.pem", public_key_pem(ec.get())).string();
    const auto ec_msg = scratch_.write("ec.msg", as_text(quote.attest)).string();
    const auto ec_sig = scratch_.write("ec.plain", as_text(plain_signature(quote.signature))).string();
    r = run_command(KEEL_CLI, {"verify", "-u", ec_pem, "-m", ec_msg, "-s", ec_sig, "-q", eventlog::to_hex(nonce_), "-f",
                               values_, "-l", "sha256:16,17,18"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    // DER with a byte after it has two readings: bad input.
    const auto trailing = scratch_.write("ec.trailing", as_text(plain_signature(quote.signature)) + "x").string();
    r = run_command(KEEL_CLI, {"verify", "-u", ec_pem, "-m", ec_msg, "-s", trailing});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "plain ECDSA signature: not one DER SEQUENCE")) << r.err;
}

TEST_F(Checkquote, ValuesFilesNeedTheirSelection) {
    // An altered value is caught by the PCR digest.
    auto altered = slurp(values_);
    altered[40] ^= 1;
    const auto bad = scratch_.write("altered.values", altered).string();
    auto r = checkquote_of({"-s", sig16_, "-f", bad, "-l", "sha256:16,17,18"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "fail    quote.pcr_digest")) << r.out;
    // Another selection than the quote's is a mismatch, not a reinterpretation.
    r = checkquote_of(
        {"-s", sig16_, "-f", scratch_.write("two.values", std::string(64, '\0')).string(), "-l", "sha256:16,17"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "the quote covers sha256 PCRs 16-18, but the evidence gives values for sha256 PCRs "
                                "16-17"))
        << r.out;
    for (const auto& [extra, words] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"-f", values_}, "(a values file, tpm2_quote -F values, needs -l)"},
             {{"-f", values_, "-F", "values"}, "-F values needs -l"},
             {{"-f", values_, "-F", "serialized", "-l", "sha256:16,17,18"}, "-F serialized and -l conflict"},
             {{"-f", values_, "-F", "json", "-l", "sha256:16,17,18"}, "-F json: expected values or serialized"},
             {{"-f", values_, "-l", "16,17,18"}, "-l: PCR list \"16,17,18\": \"16,17,18\" names no bank"},
             {{"-f", values_, "-l", "sha256:16,17,18,24"}, "\"24\" is not a PCR index (0-23)"},
             {{"-f", values_, "-l", "sha256:16,17"}, "96 bytes, but the PCR list (-l) selects 64 bytes"},
             {{"-f", values_, "-l", "md5:16"}, "unknown bank \"md5\""},
         }) {
        auto args = extra;
        args.insert(args.begin(), {"-s", sig16_});
        r = checkquote_of(args);
        EXPECT_EQ(r.status, 2) << words << ": " << r.out << r.err;
        EXPECT_TRUE(contains(r.err, words)) << words << ": " << r.err;
    }
}

}  // namespace
}  // namespace keel::test
