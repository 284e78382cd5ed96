// End to end against swtpm, with real processes: keel-agent serves a TPM
// that went through a (simulated) dynamic launch; keel enroll and keel verify
// appraise it. One test per named failure, each asserting exit status 1 and
// exactly which checks failed; malformed input gives exit status 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>
#include <sstream>
#include <thread>

#include "attestation/eventlog/parser.hpp"
#include "attestation/evidence/base64.hpp"
#include "attestation/evidence/identity_document.hpp"
#include "simulated_host.hpp"
#include "tests/launch/launch_run.hpp"

namespace keel::test {
namespace {

using nlohmann::json;

const std::vector<std::string> swtpm_ca = {"--ek-ca", "/var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem", "--ek-ca",
                                           "/var/lib/swtpm-localca/issuercert.pem"};
const std::string nonce_a(64, 'a'), nonce_b(64, 'b'), nonce_c(64, 'c');

struct Outcome {
    int status = -1;
    std::string output;
    json result;  // the --json document, when there is one
    std::vector<std::string> failed;
};

Outcome keel(std::vector<std::string> args) {
    args.insert(args.begin(), env("KEEL_CLI"));
    auto r = run_process(args);
    Outcome o{r.status, r.output, json(), {}};
    auto start = r.output.find('{');
    if (start != std::string::npos) {
        o.result = json::parse(r.output.substr(start), nullptr, false);
        if (o.result.is_object())
            for (const auto& id : o.result.value("failed_checks", json::array())) o.failed.push_back(id);
    }
    return o;
}

std::string write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
}

// An HTTP server on a free loopback port, for a test to play a hostile or
// doctored agent; stopped when it goes.
class LocalServer {
public:
    explicit LocalServer(const std::function<void(httplib::Server&)>& routes) {
        routes(server_);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~LocalServer() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

class Flow : public ::testing::Test {
protected:
    std::string db() const { return (host().dir() / "hosts.sqlite").string(); }
    SimulatedHost& host() const { return *host_; }
    void boot(const HostOptions& options = {}) { host_ = std::make_unique<SimulatedHost>(options); }

    Outcome enroll(const std::string& host_id, std::vector<std::string> extra = {}, const std::string& url = "") {
        std::vector<std::string> args = {
            "enroll", "--agent", url.empty() ? host().url() : url, "--host-id", host_id, "--db", db(), "--json"};
        if (std::find(extra.begin(), extra.end(), "--reference") == extra.end())
            extra.insert(extra.end(), {"--reference", host().reference_file()});
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), swtpm_ca.begin(), swtpm_ca.end());
        return keel(args);
    }
    Outcome verify_agent(const std::string& host_id) {
        return keel({"verify", "--db", db(), "--host-id", host_id, "--agent", host().url(), "--json"});
    }
    Outcome verify_evidence(const std::string& host_id, const std::string& evidence, const std::string& nonce) {
        auto file = write_file(host().dir() / ("evidence-" + std::to_string(++files_) + ".json"), evidence);
        return keel({"verify", "--db", db(), "--host-id", host_id, "--evidence", file, "--nonce", nonce, "--json"});
    }

    // Evidence for nonce_a with one base64 member changed by `edit`.
    std::string edited_evidence(const std::string& member, std::function<void(evidence::Bytes&)> edit) {
        auto doc = json::parse(fetch_evidence(host().url(), nonce_a));
        json* field = &doc;
        std::stringstream path(member);
        for (std::string part; std::getline(path, part, '.');)
            field = part.find_first_not_of("0123456789") == std::string::npos ? &(*field)[std::stoul(part)]
                                                                              : &(*field)[part];
        auto bytes = *evidence::from_base64(field->get<std::string>());
        edit(bytes);
        *field = evidence::to_base64(bytes);
        return doc.dump();
    }

    std::unique_ptr<SimulatedHost> host_;
    int files_ = 0;
};

// The records of a crypto-agile log as byte ranges, header first.
std::vector<evidence::Bytes> records(const evidence::Bytes& log) {
    auto parsed = eventlog::parse(log);
    std::vector<evidence::Bytes> out;
    for (std::size_t i = 0; i < parsed.events.size(); ++i) {
        auto begin = parsed.events[i].offset;
        auto end = i + 1 < parsed.events.size() ? parsed.events[i + 1].offset : log.size() - parsed.padding_bytes;
        out.emplace_back(log.begin() + static_cast<std::ptrdiff_t>(begin),
                         log.begin() + static_cast<std::ptrdiff_t>(end));
    }
    return out;
}

evidence::Bytes join(const std::vector<evidence::Bytes>& parts) {
    evidence::Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

TEST_F(Flow, EnrolQuoteVerifyIsTrusted) {
    boot();
    auto e = enroll("node-1");
    ASSERT_EQ(e.status, 0) << e.output;
    EXPECT_EQ(e.result["verdict"], "enrolled");
    auto first = verify_agent("node-1");
    ASSERT_EQ(first.status, 0) << first.output;
    EXPECT_EQ(first.result["verdict"], "trusted");
    EXPECT_EQ(first.result["measured_components"].size(), 5u);
    auto second = verify_agent("node-1");
    ASSERT_EQ(second.status, 0) << second.output;
    for (const auto& c : second.result["checks"]) {
        if (c["id"] == "quote.clock") { EXPECT_EQ(c["status"], "pass") << c; }
    }
    // The human summary names the verdict too.
    auto text = keel({"verify", "--db", db(), "--host-id", "node-1", "--agent", host().url()});
    EXPECT_EQ(text.status, 0);
    EXPECT_NE(text.output.find("Verdict: trusted"), std::string::npos) << text.output;
}

TEST_F(Flow, EccEndorsementKeyAndEcdsaAttestationKeyAreTrusted) {
    boot({"sha256", true, {"--ek", "ecc", "--ak", "ecdsa"}});
    // swtpm certifies only its P-384 EK, not the P-256 one (TCG template L-2).
    auto refused = enroll("node-ecc");
    EXPECT_EQ(refused.status, 1) << refused.output;
    EXPECT_NE(refused.output.find("no EK certificate"), std::string::npos) << refused.output;
    ASSERT_EQ(enroll("node-ecc", {"--allow-no-ek-certificate"}).status, 0);
    auto r = verify_agent("node-ecc");
    EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(Flow, RsaPssAttestationKeyIsTrusted) {
    boot({"sha256", true, {"--ak", "rsapss"}});
    ASSERT_EQ(enroll("node-pss").status, 0);
    auto r = verify_agent("node-pss");
    EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(Flow, WrongNonce) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    auto r = verify_evidence("node-1", fetch_evidence(host().url(), nonce_a), nonce_b);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"quote.nonce"});
}

TEST_F(Flow, ReplayedOldQuote) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    auto old = fetch_evidence(host().url(), nonce_a);
    ASSERT_EQ(verify_evidence("node-1", old, nonce_a).status, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(verify_agent("node-1").status, 0);
    // Replayed for a new request: the nonce gives it away, and its clock is behind.
    auto r = verify_evidence("node-1", old, nonce_c);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, (std::vector<std::string>{"quote.nonce", "quote.clock"}));
    // Replayed with its own nonce: the clock has moved on since.
    auto again = verify_evidence("node-1", old, nonce_a);
    EXPECT_EQ(again.status, 1) << again.output;
    EXPECT_EQ(again.failed, std::vector<std::string>{"quote.clock"});
}

TEST_F(Flow, QuoteFromAnotherAttestationKey) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    SimulatedHost other;
    auto r = verify_evidence("node-1", fetch_evidence(other.url(), nonce_a), nonce_a);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, (std::vector<std::string>{"ak.enrolled", "quote.signature"}));
}

// An agent that presents one TPM's EK with another TPM's AK: what a host
// would do to get a key it controls enrolled under a genuine EK.
TEST_F(Flow, AttestationKeyNotBoundToEndorsementKey) {
    boot();
    SimulatedHost other;
    httplib::Client genuine(host().url()), impostor(other.url());
    auto ek = json::parse(genuine.Get("/v1/identity")->body);
    auto ak = json::parse(impostor.Get("/v1/identity")->body);
    ek["ak_public"] = ak["ak_public"];
    ek["ak_name"] = ak["ak_name"];
    Outcome r;
    {
        LocalServer mixer([&](httplib::Server& server) {
            server.Get("/v1/identity", [&](const httplib::Request&, httplib::Response& res) {
                res.set_content(ek.dump(), "application/json");
            });
            server.Post("/v1/activate", [&](const httplib::Request& req, httplib::Response& res) {
                auto answer = impostor.Post("/v1/activate", req.body, "application/json");
                res.status = answer->status;
                res.set_content(answer->body, "application/json");
            });
        });
        r = enroll("node-1", {}, mixer.url());
    }
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.result["verdict"], "refused");
    json failed = json::array();
    for (const auto& c : r.result["checks"])
        if (c["status"] == "fail") failed.push_back(c["id"]);
    EXPECT_EQ(failed, json::array({"ak.credential"})) << r.output;
    auto v = keel({"verify", "--db", db(), "--host-id", "node-1", "--agent", host().url()});
    EXPECT_EQ(v.status, 2) << "a refused host is not stored: " << v.output;
}

// A host whose agent answers with something that is not evidence is not
// trusted (exit 1); that is the host's failure, not bad input from the user.
TEST_F(Flow, GarbageFromTheAgentIsNotTrusted) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    LocalServer liar([](httplib::Server& server) {
        server.Get("/v1/evidence", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{\"format\": \"keel-evidence\", \"version\": 1, \"nonce\": \"\x1b[2J\"}",
                            "application/json");
        });
    });
    auto r = keel({"verify", "--db", db(), "--host-id", "node-1", "--agent", liar.url()});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("NOT trusted"), std::string::npos) << r.output;
}

// An EK Keel cannot wrap a credential to (here: not restricted) is refused by
// name, not reported as an internal error.
TEST_F(Flow, EndorsementKeyThatCannotTakeACredential) {
    boot();
    httplib::Client genuine(host().url());
    auto identity = json::parse(genuine.Get("/v1/identity")->body);
    auto ek = *evidence::from_base64(identity["ek_public"].get<std::string>());
    ek[7] &=
        static_cast<std::uint8_t>(~0x01);  // TPM2B size, type, nameAlg, then objectAttributes: restricted is bit 16
    identity["ek_public"] = evidence::to_base64(ek);
    LocalServer fake([&](httplib::Server& server) {
        server.Get("/v1/identity", [&](const httplib::Request&, httplib::Response& res) {
            res.set_content(identity.dump(), "application/json");
        });
    });
    auto r = enroll("node-1", {}, fake.url());
    EXPECT_EQ(r.status, 1) << r.output;
    json failed = json::array();
    for (const auto& c : r.result["checks"])
        if (c["status"] == "fail") failed.push_back(c["id"]);
    EXPECT_EQ(failed, json::array({"ek.public"})) << r.output;
}

TEST_F(Flow, SignatureBitFlip) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    auto r = verify_evidence("node-1", edited_evidence("quote.signature", [](auto& b) { b[b.size() - 9] ^= 0x10; }),
                             nonce_a);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"quote.signature"});
}

TEST_F(Flow, PcrValueAltered) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    // The last byte of the first TPML_DIGEST: the value of the eighth PCR quoted.
    auto r = verify_evidence("node-1", edited_evidence("pcrs.values.0", [](auto& b) { b.back() ^= 0x01; }), nonce_a);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"quote.pcr_digest"});
}

class EventLogEdit : public Flow {
protected:
    void SetUp() override {
        boot();
        ASSERT_EQ(enroll("node-1").status, 0);
    }
    Outcome verify_with_log(std::function<std::vector<evidence::Bytes>(std::vector<evidence::Bytes>)> edit) {
        return verify_evidence(
            "node-1", edited_evidence("event_logs.drtm", [&](auto& log) { log = join(edit(records(log))); }), nonce_a);
    }
};

TEST_F(EventLogEdit, EventRemoved) {
    auto r = verify_with_log([](auto recs) {
        recs.erase(recs.begin() + 2);
        return recs;
    });  // slb-loader
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, (std::vector<std::string>{"eventlog.drtm", "reference.required"}));
}

TEST_F(EventLogEdit, EventInserted) {
    auto r = verify_with_log([](auto recs) {
        recs.insert(recs.begin() + 4, recs[4]);
        return recs;
    });  // hypervisor twice
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"eventlog.drtm"});
}

TEST_F(EventLogEdit, EventsReordered) {
    auto r = verify_with_log([](auto recs) {
        std::swap(recs[2], recs[3]);
        return recs;
    });
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, (std::vector<std::string>{"eventlog.drtm", "reference.required"}));
}

TEST_F(EventLogEdit, EventDigestAltered) {
    // Record layout: PCR u32, type u32, count u32, then alg u16 and the digest.
    auto r = verify_with_log([](auto recs) {
        recs[3][14] ^= 0xff;
        return recs;
    });  // hypervisor, first bank
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, (std::vector<std::string>{"eventlog.drtm", "reference.components"}));
}

// The DRTM log named twice in one document: an altered log first, the genuine
// one last. nlohmann::json keeps the last copy, so this was "trusted" while
// the document also carried the altered log. Read exactly, it has no single
// meaning: bad input from a file (exit 2), and from an agent the host's
// failure (not trusted, exit 1), the member named either way.
TEST_F(EventLogEdit, TamperedDrtmLogFollowedByTheGenuineOne) {
    const auto genuine = fetch_evidence(host().url(), nonce_a);
    const auto altered = json::parse(edited_evidence("event_logs.drtm",
                                                     [](auto& log) {
                                                         auto recs = records(log);
                                                         recs[3][14] ^= 0xff;  // the hypervisor's digest, first bank
                                                         log = join(recs);
                                                     }))["event_logs"]["drtm"]
                             .get<std::string>();
    const auto doubled = [&](std::string text) {
        return text.insert(text.find("\"drtm\""), "\"drtm\": \"" + altered + "\", ");
    };
    auto r = verify_evidence("node-1", doubled(genuine), nonce_a);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("member \"drtm\" appears twice in \"event_logs\""), std::string::npos) << r.output;

    // An agent that answers so: it asks the genuine agent and adds the altered log.
    LocalServer liar([&](httplib::Server& server) {
        server.Get("/v1/evidence", [&](const httplib::Request& req, httplib::Response& res) {
            res.set_content(doubled(fetch_evidence(host().url(), req.get_param_value("nonce"))), "application/json");
        });
    });
    r = keel({"verify", "--db", db(), "--host-id", "node-1", "--agent", liar.url()});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("NOT trusted"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("member \"drtm\" appears twice in \"event_logs\""), std::string::npos) << r.output;
}

TEST_F(Flow, ComponentNotInReferenceValues) {
    boot();
    auto ref = json::parse(read_file(host().reference_file()));
    ref["components"].erase(ref["components"].size() - 1);  // no "guest"
    auto file = write_file(host().dir() / "reference-no-guest.json", ref.dump());
    ASSERT_EQ(enroll("node-1", {"--reference", file}).status, 0);
    auto r = verify_agent("node-1");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"reference.components"});
    EXPECT_NE(r.output.find("component \\\"guest\\\" (PCR 19, event 5): it is not in the reference values"),
              std::string::npos)
        << r.output;
}

TEST_F(Flow, RequiredComponentMissing) {
    boot();
    auto policy = write_file(host().dir() / "policy.json",
                             R"({"format": "keel-attestation-policy", "version": 1,
                                 "required_components": ["slb", "hypervisor", "initrd"]})");
    ASSERT_EQ(enroll("node-1", {"--policy", policy}).status, 0);
    auto r = verify_agent("node-1");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"reference.required"});
}

TEST_F(Flow, Pcr17AllOnes) {
    boot({"sha1,sha256", false, {}});
    ASSERT_EQ(enroll("node-1").status, 0);
    auto r = verify_agent("node-1");
    EXPECT_EQ(r.status, 1) << r.output;
    ASSERT_FALSE(r.failed.empty()) << r.output;
    EXPECT_EQ(r.failed.front(), "drtm.launched");
    EXPECT_NE(r.output.find("no dynamic launch took place"), std::string::npos);
}

TEST_F(Flow, ResetCounterGoingBackwards) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    auto before_reboot = fetch_evidence(host().url(), nonce_a);
    host().reboot();
    ASSERT_EQ(verify_agent("node-1").status, 0);
    auto r = verify_evidence("node-1", before_reboot, nonce_a);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"quote.clock"});
    EXPECT_NE(r.output.find("reset counter went backwards"), std::string::npos) << r.output;
}

TEST_F(Flow, Sha1OnlyEvidenceWhenPolicyRequiresSha256) {
    boot({"sha1", true, {}});
    ASSERT_EQ(enroll("node-1").status, 0);
    auto r = verify_agent("node-1");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.failed, std::vector<std::string>{"policy.banks"});
}

TEST_F(Flow, MalformedInputIsExitStatusTwo) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    auto good = fetch_evidence(host().url(), nonce_a);
    auto attest_magic = edited_evidence("quote.attest", [](auto& b) { b[0] ^= 0xff; });
    auto truncated_attest = edited_evidence("quote.attest", [](auto& b) { b.resize(b.size() - 3); });
    auto log_magic = edited_evidence("event_logs.drtm", [](auto& b) { b[40] ^= 0xff; });  // "Spec ID Event03"
    auto format = good;
    format.replace(format.find("keel-evidence"), 13, "keel-evidenze");
    std::string oversized(97u << 20, ' ');
    for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
             {"truncated", good.substr(0, good.size() / 2)},
             {"garbage", "\x7f"
                         "ELF\x02\x01\x01 not evidence"},
             {"empty", ""},
             {"wrong format magic", format},
             {"wrong TPMS_ATTEST magic", attest_magic},
             {"truncated TPMS_ATTEST", truncated_attest},
             {"wrong event log signature", log_magic},
             {"oversized", oversized},
         }) {
        auto r = verify_evidence("node-1", text, nonce_a);
        EXPECT_EQ(r.status, 2) << name << ": " << r.output.substr(0, 500);
        EXPECT_NE(r.output.find("keel verify: "), std::string::npos) << name << ": " << r.output.substr(0, 500);
    }
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"verify", "--db", db(), "--host-id", "nobody", "--agent", host().url()},
             {"verify", "--db", db(), "--host-id", "node-1", "--evidence", db(), "--nonce", "xyz"},
             {"verify", "--db", db(), "--host-id", "node-1"},
             {"verify", "--db", db(), "--host-id", "node-1", "--agent", "ftp://127.0.0.1:1"},
             {"verify", "--db", db(), "--host-id", "node-1", "--evidence", db(), "--nonce", "0x"},
             {"verify"},
             {"verify", "--no-such-option"},
         }) {
        auto r = keel(args);
        EXPECT_EQ(r.status, 2) << args.back() << ": " << r.output;
    }
    // A file that cannot be opened is the verifier's own fault (exit 3), not bad input.
    auto r = keel({"verify", "--db", db(), "--host-id", "node-1", "--evidence", "/nonexistent", "--nonce", nonce_a});
    EXPECT_EQ(r.status, 3) << r.output;
}

// One TPM is one host: enrolled as "node-1", the same EK is refused under
// "node-2" (a quote from it would be trusted as either host's), and nothing
// is stored for "node-2". An agent that cannot be reached is a local fault.
TEST_F(Flow, TheSameTpmCannotBeEnrolledUnderTwoHostIds) {
    boot();
    ASSERT_EQ(enroll("node-1").status, 0);
    auto r = enroll("node-2");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("keel enroll: not enrolled: this EK is already enrolled as host \"node-1\""),
              std::string::npos)
        << r.output;
    auto v = keel({"verify", "--db", db(), "--host-id", "node-2", "--agent", host().url()});
    EXPECT_EQ(v.status, 2) << "node-2 is not enrolled: " << v.output;
    EXPECT_EQ(enroll("node-1", {"--replace"}).status, 0);  // the same host again is fine

    r = enroll("node-3", {}, "http://127.0.0.1:1");
    EXPECT_EQ(r.status, 3) << r.output;
    EXPECT_NE(r.output.find("could not enrol (local fault): cannot reach the agent"), std::string::npos) << r.output;
}

// An agent that cannot activate the credential but answers anyway, with a
// secret it guessed (all zeros) or one of another length: the answer is
// compared with the secret, and the host is refused by ak.credential.
TEST_F(Flow, AnAgentThatDoesNotKnowTheSecretIsRefused) {
    boot();
    httplib::Client genuine(host().url());
    const auto identity = genuine.Get("/v1/identity")->body;
    for (std::size_t size : {32, 31}) {
        Outcome r;
        {
            LocalServer guesser([&](httplib::Server& server) {
                server.Get("/v1/identity", [&](const httplib::Request&, httplib::Response& res) {
                    res.set_content(identity, "application/json");
                });
                server.Post("/v1/activate", [&](const httplib::Request&, httplib::Response& res) {
                    res.set_content(evidence::write_answer(evidence::Bytes(size, 0)), "application/json");
                });
            });
            r = enroll("node-1", {}, guesser.url());
        }
        EXPECT_EQ(r.status, 1) << size << " bytes: " << r.output;
        EXPECT_EQ(r.result["verdict"], "refused") << r.output;
        json failed = json::array();
        for (const auto& c : r.result["checks"])
            if (c["status"] == "fail") failed.push_back(c["id"]);
        EXPECT_EQ(failed, json::array({"ak.credential"})) << r.output;
        EXPECT_NE(r.output.find("could not recover the credential secret"), std::string::npos) << r.output;
    }
    auto v = keel({"verify", "--db", db(), "--host-id", "node-1", "--agent", host().url()});
    EXPECT_EQ(v.status, 2) << "a refused host is not stored: " << v.output;
}

// An attestation key unfit to sign quotes, offered through keel enroll: the
// agent serves the TPM's genuine EK and certificate with its AK's public
// area edited in one attribute (and the name recomputed, so only that
// attribute is wrong). Each is refused by ak.attributes alone, which names
// what is wrong, and nothing is stored. An AK that is unrestricted, not
// fixedTPM or a decryption key would sign a TPMS_ATTEST made in software, or
// live outside the TPM; with another scheme the TPM would not sign quotes
// with it as the verifier checks them.
struct UnfitAk {
    const char* name;
    std::function<void(evidence::Bytes&)> edit;  // of the TPM2B_PUBLIC sent
    bool other_name;  // send the name of the edited area with the genuine one
    const char* named;  // what the refusal must say
};

// TPM2B_PUBLIC: size u16, type u16, nameAlg u16, objectAttributes u32 (big
// endian, so bits 16-23 are byte 7 and bits 0-7 byte 9), authPolicy (u16
// size, bytes), then an RSA key's symmetric algorithm and scheme.
constexpr std::size_t attributes_bits_16_23 = 7, attributes_bits_0_7 = 9, auth_policy_size = 10;
std::size_t scheme_offset(const evidence::Bytes& ak) {
    return auth_policy_size + 2 + (std::size_t(ak[auth_policy_size]) << 8 | ak[auth_policy_size + 1]) + 2;
}

// nameAlg || SHA-256(TPMT_PUBLIC), computed here rather than by the code under test.
evidence::Bytes sha256_name(const evidence::Bytes& ak_public) {
    evidence::Bytes name{ak_public[4], ak_public[5]};
    name.resize(2 + SHA256_DIGEST_LENGTH);
    SHA256(ak_public.data() + 2, ak_public.size() - 2, name.data() + 2);
    return name;
}

void PrintTo(const UnfitAk& p, std::ostream* os) { *os << p.name; }

class UnfitAttestationKey : public Flow, public ::testing::WithParamInterface<UnfitAk> {};

TEST_P(UnfitAttestationKey, IsRefusedByEnrolmentNamingWhatIsWrong) {
    boot();
    httplib::Client genuine(host().url());
    auto identity = json::parse(genuine.Get("/v1/identity")->body);
    const auto ak = *evidence::from_base64(identity["ak_public"].get<std::string>());
    ASSERT_EQ(ak[2] << 8 | ak[3], 0x0001) << "the agent's default AK is RSA";
    ASSERT_EQ(ak[4] << 8 | ak[5], 0x000b) << "with a SHA-256 name";
    ASSERT_EQ(evidence::to_base64(sha256_name(ak)), identity["ak_name"]) << "the name is computed as the TPM does";
    auto edited = ak;
    GetParam().edit(edited);
    ASSERT_NE(edited, ak);
    identity["ak_public"] = evidence::to_base64(GetParam().other_name ? ak : edited);
    identity["ak_name"] = evidence::to_base64(sha256_name(edited));
    Outcome r;
    {
        LocalServer agent([&](httplib::Server& server) {
            server.Get("/v1/identity", [&](const httplib::Request&, httplib::Response& res) {
                res.set_content(identity.dump(), "application/json");
            });
            server.Post("/v1/activate", [&](const httplib::Request& req, httplib::Response& res) {
                auto answer = genuine.Post("/v1/activate", req.body, "application/json");
                res.status = answer->status;
                res.set_content(answer->body, "application/json");
            });
        });
        r = enroll("node-1", {}, agent.url());
    }
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.result["verdict"], "refused") << r.output;
    json failed = json::array();
    std::string why;
    for (const auto& c : r.result["checks"])
        if (c["status"] == "fail") {
            failed.push_back(c["id"]);
            why += c["message"].get<std::string>();
        }
    EXPECT_EQ(failed, json::array({"ak.attributes"})) << r.output;
    EXPECT_NE(why.find(GetParam().named), std::string::npos) << why;
    auto v = keel({"verify", "--db", db(), "--host-id", "node-1", "--agent", host().url()});
    EXPECT_EQ(v.status, 2) << "a refused host is not stored: " << v.output;
}

INSTANTIATE_TEST_SUITE_P(
    Attributes, UnfitAttestationKey,
    ::testing::Values(
        UnfitAk{"unrestricted", [](evidence::Bytes& ak) { ak[attributes_bits_16_23] &= ~0x01; },  // restricted: bit 16
                false, "the key is not restricted"},
        UnfitAk{"not_fixed_tpm", [](evidence::Bytes& ak) { ak[attributes_bits_0_7] &= ~0x02; },  // fixedTPM: bit 1
                false, "the key is not fixedTPM"},
        UnfitAk{"decryption_key", [](evidence::Bytes& ak) { ak[attributes_bits_16_23] |= 0x02; },  // decrypt: bit 17
                false, "the key can decrypt"},
        UnfitAk{"oaep_scheme",
                [](evidence::Bytes& ak) {  // RSASSA (0x0014) -> OAEP (0x0017): the same layout, a hash follows
                    ak.at(scheme_offset(ak) + 1) = 0x17;
                },
                false, "signing scheme is"},
        UnfitAk{"name_of_another_key", [](evidence::Bytes& ak) { ak[attributes_bits_16_23] &= ~0x01; }, true,
                "is not the name of its public area"}),
    [](const ::testing::TestParamInfo<UnfitAk>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace keel::test
