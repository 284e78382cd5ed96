// keel verify as a drop-in for tpm2_checkquote: quotes made with tpm2_quote
// on swtpm, checked by both tools on the same files in the same run. Keel
// must accept exactly what tpm2_checkquote accepts.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "swtpm_fixture.hpp"
#include "tests/launch/launch_run.hpp"

namespace keel::test {
namespace {

const std::string nonce = "5eed5eed0123456789abcdef0123456789abcdef";
const std::string other_nonce = "0123456789abcdef0123456789abcdef5eed5eed";

struct Quote {
    std::string dir, ak, msg, sig, pcrs;
};

void run_ok(const std::vector<std::string>& argv) {
    auto r = run_process(argv);
    ASSERT_EQ(r.status, 0) << argv[0] << ": " << r.output;
}

void copy_flipped(const std::string& from, const std::string& to, long offset_from_end) {
    std::ifstream in(from, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes[bytes.size() - static_cast<std::size_t>(offset_from_end)] ^= 0x01;
    std::ofstream(to, std::ios::binary) << bytes;
}

class InteropBase : public ::testing::Test {
protected:
    // tpm2-tools end to end: EK, AK, quote of PCRs 0-7 and 16-19.
    Quote make_quote(const std::vector<std::string>& ak_algorithms) {
        const auto t = tpm_.tcti();
        Quote q;
        q.dir = tpm_.dir().string();
        q.ak = q.dir + "/ak.pem";
        q.msg = q.dir + "/quote.msg";
        q.sig = q.dir + "/quote.sig";
        q.pcrs = q.dir + "/quote.pcrs";
        run_ok({"tpm2_createek", "-T", t, "-c", q.dir + "/ek.ctx", "-G", "rsa", "-u", q.dir + "/ek.pub"});
        std::vector<std::string> createak = {"tpm2_createak",
                                             "-T",
                                             t,
                                             "-C",
                                             q.dir + "/ek.ctx",
                                             "-c",
                                             q.dir + "/ak.ctx",
                                             "-u",
                                             q.ak,
                                             "-f",
                                             "pem",
                                             "-n",
                                             q.dir + "/ak.name",
                                             "-g",
                                             "sha256"};
        createak.insert(createak.end(), ak_algorithms.begin(), ak_algorithms.end());
        run_ok(createak);
        run_ok({"tpm2_flushcontext", "-T", t, "-t"});
        run_ok({"tpm2_quote", "-T", t, "-c", q.dir + "/ak.ctx", "-l", "sha256:0,1,2,3,4,5,6,7,16,17,18,19", "-q", nonce,
                "-m", q.msg, "-s", q.sig, "-o", q.pcrs, "-g", "sha256"});
        return q;
    }

    // Both tools on the same arguments; their verdicts must agree.
    void expect_agreement(const std::string& name, const std::vector<std::string>& args, bool expected) {
        std::vector<std::string> checkquote = {"tpm2_checkquote"};
        checkquote.insert(checkquote.end(), args.begin(), args.end());
        std::vector<std::string> keel = {env("KEEL_CLI"), "verify"};
        keel.insert(keel.end(), args.begin(), args.end());
        auto theirs = run_process(checkquote);
        auto ours = run_process(keel);
        EXPECT_EQ(theirs.status == 0, expected) << name << ": tpm2_checkquote: " << theirs.output;
        EXPECT_EQ(ours.status == 0, expected) << name << ": keel verify: " << ours.output;
        EXPECT_TRUE(ours.status == 0 || ours.status == 1) << name << ": " << ours.output;
    }

    Swtpm tpm_{SwtpmOptions{"sha256"}};
};

class Interop : public InteropBase, public ::testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(Interop, AcceptsExactlyWhatTpm2CheckquoteAccepts) {
    auto q = make_quote(GetParam());
    const std::vector<std::string> base = {"-u", q.ak, "-m", q.msg, "-s", q.sig};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    expect_agreement("genuine", with({"-f", q.pcrs, "-q", nonce, "-g", "sha256"}), true);
    expect_agreement("genuine, no -g", with({"-f", q.pcrs, "-q", nonce}), true);
    expect_agreement("no PCR file", with({"-q", nonce, "-g", "sha256"}), true);
    expect_agreement("wrong nonce", with({"-f", q.pcrs, "-q", other_nonce, "-g", "sha256"}), false);
    expect_agreement("nonce missing", with({"-f", q.pcrs, "-g", "sha256"}), false);
    expect_agreement("other -g (both use the signature's hash)", with({"-f", q.pcrs, "-q", nonce, "-g", "sha1"}), true);

    auto bad_sig = q.dir + "/flipped.sig", bad_msg = q.dir + "/flipped.msg", bad_pcrs = q.dir + "/flipped.pcrs";
    copy_flipped(q.sig, bad_sig, 7);
    copy_flipped(q.msg, bad_msg, 3);  // inside pcrDigest
    std::ifstream in(q.pcrs, std::ios::binary);
    std::string pcrs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The first PCR value: after TPML_PCR_SELECTION (132 bytes), the u32 count,
    // the first TPML_DIGEST's count and the first digest's u16 size.
    pcrs[132 + 4 + 4 + 2] ^= 0x01;
    std::ofstream(bad_pcrs, std::ios::binary) << pcrs;
    expect_agreement("signature bit flipped", {"-u", q.ak, "-m", q.msg, "-s", bad_sig, "-f", q.pcrs, "-q", nonce},
                     false);
    expect_agreement("quote byte flipped", {"-u", q.ak, "-m", bad_msg, "-s", q.sig, "-f", q.pcrs, "-q", nonce}, false);
    expect_agreement("PCR value altered", {"-u", q.ak, "-m", q.msg, "-s", q.sig, "-f", bad_pcrs, "-q", nonce}, false);

    // A PEM block that holds no key is bad input. keel does not load OpenSSL's
    // error strings (start-up time), so OpenSSL's failure is told by its code.
    auto bad_pem = q.dir + "/bad.pem";
    std::ofstream(bad_pem) << "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    auto r = run_process({env("KEEL_CLI"), "verify", "-u", bad_pem, "-m", q.msg, "-s", q.sig, "-q", nonce});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("keel verify: " + bad_pem + ": not a PEM or TPM2B_PUBLIC key"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("OpenSSL error "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("(`openssl errstr "), std::string::npos) << r.output;
}

// tpm2_quote's other formats: a bare signature (-f plain: RSA bytes, ECDSA
// DER) and a PCR file of bare digests (-F values), read with -l. Both tools
// read the same files alike; -g is the bare signature's hash, as in
// tpm2_checkquote. On swtpm PCR 17 reads all ones: keel verify says so, and
// says it verified a quote, not that the host is trusted.
TEST_P(Interop, ReadsPlainSignaturesAndValuesFiles) {
    auto q = make_quote(GetParam());
    const auto t = tpm_.tcti();
    const auto in = [&](const std::string& name) { return q.dir + "/" + name; };
    run_ok({"tpm2_quote",   "-T", t,           "-c", in("ak.ctx"), "-l", "sha256:16,17,18", "-q",
            nonce,          "-m", in("p.msg"), "-s", in("p.sig"),  "-f", "plain",           "-o",
            in("p.values"), "-F", "values",    "-g", "sha256"});
    const std::vector<std::string> base = {"-u", q.ak, "-m", in("p.msg"), "-s", in("p.sig"), "-q", nonce};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    expect_agreement("plain, values", with({"-f", in("p.values"), "-l", "sha256:16,17,18"}), true);
    expect_agreement("plain, values, -F", with({"-f", in("p.values"), "-l", "sha256:16,17,18", "-F", "values"}), true);
    expect_agreement("plain, -g sha256", with({"-f", in("p.values"), "-l", "sha256:16,17,18", "-g", "sha256"}), true);
    expect_agreement("plain, -g sha1", with({"-f", in("p.values"), "-l", "sha256:16,17,18", "-g", "sha1"}), false);

    std::vector<std::string> keel = {env("KEEL_CLI"), "verify"};
    auto args = with({"-f", in("p.values"), "-l", "sha256:16,17,18"});
    keel.insert(keel.end(), args.begin(), args.end());
    auto r = run_process(keel);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("No dynamic launch took place: sha256 PCR 17 reads all ones"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("Verdict: quote verified; the host was NOT appraised"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Verdict: trusted"), std::string::npos) << r.output;
}

// A forged quote: a TPMS_ATTEST made outside the TPM (the genuine quote with
// its PCR digest changed) signed by a key the TPM made without `restricted`.
// Such a key signs whatever it is given, so the signature verifies and shows
// nothing. tpm2_checkquote, which sees only the PEM key, accepts it, and so
// does keel verify given the same PEM (it cannot tell); given the key's
// TPM2B_PUBLIC, keel verify sees it is no restricted signing key and does not
// trust the quote. A genuine AK's TPM2B_PUBLIC passes.
using UnrestrictedKey = InteropBase;

TEST_F(UnrestrictedKey, ForgedQuoteIsNotTrustedWhenTheKeyShowsItsAttributes) {
    auto q = make_quote({"-G", "rsa", "-s", "rsassa"});
    const auto t = tpm_.tcti();
    const auto in = [&](const std::string& name) { return q.dir + "/" + name; };
    run_ok({"tpm2_readpublic", "-T", t, "-c", in("ak.ctx"), "-o", in("ak.tpm2b")});
    run_ok({"tpm2_flushcontext", "-T", t, "-t"});
    run_ok({"tpm2_createprimary", "-T", t, "-C", "o", "-c", in("primary.ctx")});
    run_ok({"tpm2_create", "-T", t, "-C", in("primary.ctx"), "-G", "rsa2048", "-a",
            "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign", "-u", in("signer.pub"), "-r",
            in("signer.priv")});
    run_ok({"tpm2_flushcontext", "-T", t, "-t"});
    run_ok({"tpm2_load", "-T", t, "-C", in("primary.ctx"), "-u", in("signer.pub"), "-r", in("signer.priv"), "-c",
            in("signer.ctx")});
    run_ok({"tpm2_flushcontext", "-T", t, "-t"});
    run_ok({"tpm2_readpublic", "-T", t, "-c", in("signer.ctx"), "-f", "pem", "-o", in("signer.pem")});
    run_ok({"tpm2_flushcontext", "-T", t, "-t"});
    copy_flipped(q.msg, in("forged.msg"), 3);  // inside pcrDigest: PCR values the TPM never had
    run_ok({"tpm2_sign", "-T", t, "-c", in("signer.ctx"), "-g", "sha256", "-s", "rsassa", "-o", in("forged.sig"),
            in("forged.msg")});

    const std::vector<std::string> forged = {"-m", in("forged.msg"), "-s", in("forged.sig"), "-q", nonce};
    auto with_key = [&](const std::string& key) {
        std::vector<std::string> args = {"-u", key};
        args.insert(args.end(), forged.begin(), forged.end());
        return args;
    };
    expect_agreement("forged quote, key as PEM (no attributes to see)", with_key(in("signer.pem")), true);

    std::vector<std::string> keel = {env("KEEL_CLI"), "verify"};
    auto tpm2b = with_key(in("signer.pub"));
    keel.insert(keel.end(), tpm2b.begin(), tpm2b.end());
    auto r = run_process(keel);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("quote.signature"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("the key is not a restricted signing key: the key is not restricted: an unrestricted TPM "
                            "key can sign any bytes, including a forged TPMS_ATTEST"),
              std::string::npos)
        << r.output;

    r = run_process(
        {env("KEEL_CLI"), "verify", "-u", in("ak.tpm2b"), "-m", q.msg, "-s", q.sig, "-f", q.pcrs, "-q", nonce});
    EXPECT_EQ(r.status, 0) << r.output;
}

INSTANTIATE_TEST_SUITE_P(AttestationKeys, Interop,
                         // Not RSAPSS: tpm2_checkquote 5.4 rejects genuine RSAPSS quotes
                         // (tpm2-tools#3283); keel verify accepts them (attest.flow.RsaPss...).
                         ::testing::Values(std::vector<std::string>{"-G", "rsa", "-s", "rsassa"},
                                           std::vector<std::string>{"-G", "ecc", "-s", "ecdsa"}),
                         [](const auto& info) { return info.param[3]; });

}  // namespace
}  // namespace keel::test
