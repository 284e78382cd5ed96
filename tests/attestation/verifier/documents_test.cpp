// The JSON documents that cross between agent, verifier and operator
// (evidence, identity, policy), base64, and the host store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "attestation/evidence/base64.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/identity_document.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/json/exact_json.hpp"
#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifier/sqlite_library.hpp"

namespace keel::test {
namespace {

using evidence::Bytes;
using evidence::ParseError;

TEST(Base64, RoundTripsEveryLength) {
    Bytes data;
    for (int n = 0; n < 40; ++n) {
        auto text = evidence::to_base64(data);
        EXPECT_EQ(text.size() % 4, 0u);
        EXPECT_EQ(evidence::from_base64(text), data) << text;
        data.push_back(static_cast<std::uint8_t>(n * 37));
    }
}

TEST(Base64, RejectsEverythingButOneCanonicalForm) {
    EXPECT_EQ(evidence::from_base64("AAEC"), (Bytes{0, 1, 2}));
    for (const char* bad : {"AAE", "AA=C", "AAE=C===", "AA C", "AA-_", "AAF=", "AB==", "====", "A===", "AAEC\n"})
        EXPECT_FALSE(evidence::from_base64(bad)) << bad;
}

evidence::EvidenceDocument sample_evidence() {
    evidence::EvidenceDocument d;
    d.nonce = {1, 2, 3};
    d.ak_name = {0, 0x0b, 4};
    d.attest = {0xff, 0x54, 0x43, 0x47};
    d.signature = {0, 0x14};
    d.pcr_selection = {0, 0, 0, 1};
    d.pcr_values = {{0, 0, 0, 0}};
    d.drtm_log = Bytes{9, 9};
    return d;
}

TEST(EvidenceDocument, RoundTrips) {
    auto d = sample_evidence();
    auto back = evidence::parse_evidence(evidence::write_evidence(d));
    EXPECT_EQ(back.nonce, d.nonce);
    EXPECT_EQ(back.attest, d.attest);
    EXPECT_EQ(back.pcr_values, d.pcr_values);
    EXPECT_EQ(back.drtm_log, d.drtm_log);
    EXPECT_FALSE(back.boot_log);
}

void expect_rejected(const std::string& text, const std::string& words) {
    try {
        evidence::parse_evidence(text);
        ADD_FAILURE() << "accepted: " << text.substr(0, 200);
    } catch (const ParseError& e) { EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what(); }
}

TEST(EvidenceDocument, RejectsMalformedDocuments) {
    const auto good = evidence::write_evidence(sample_evidence());
    for (std::size_t n = 0; n < good.size() - 2; n += 7) expect_rejected(good.substr(0, n), "evidence:");
    expect_rejected("\x89PNG garbage", "not JSON");
    expect_rejected("[1,2]", "not a JSON object");
    auto replace = [&](const std::string& from, const std::string& to) {
        auto text = good;
        auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return text.replace(at, from.size(), to);
    };
    expect_rejected(replace("\"keel-evidence\"", "\"keel-evidenze\""), "\"format\"");
    expect_rejected(replace("\"version\": 1", "\"version\": 2"), "not supported");
    expect_rejected(replace("\"nonce\": \"AQID\"", "\"nonce\": \"AQI*\""), "\"nonce\" is not base64");
    expect_rejected(replace("\"nonce\": \"AQID\",", "\"extra\": 1, \"nonce\": \"AQID\","), "unknown member \"extra\"");
    expect_rejected(replace("\"signature\": \"ABQ=\"", "\"signature\": 5"), "\"quote.signature\" is not a string");
    expect_rejected(replace("\"ak_name\": \"AAsE\",", ""), "\"ak_name\" is missing");
    std::string oversized(evidence::max_evidence_bytes + 1, ' ');
    expect_rejected(oversized, "more than the limit");
}

// A repeated member is refused wherever it is: nlohmann::json keeps the last
// copy, so {"drtm": tampered, "drtm": genuine} used to read as the genuine
// log while the document also carried another (exact_json.hpp).
TEST(EvidenceDocument, RejectsARepeatedMemberAtAnyDepth) {
    const auto good = evidence::write_evidence(sample_evidence());
    auto doubled = [&](const std::string& line, const std::string& copy) {
        auto text = good;
        auto at = text.find(line);
        EXPECT_NE(at, std::string::npos) << line;
        return text.insert(at, copy);
    };
    const std::string attest = "\"attest\": \"/1RDRw==\"";
    ASSERT_NE(good.find(attest), std::string::npos) << good;
    for (const auto& [text, words] : std::vector<std::pair<std::string, std::string>>{
             {doubled("\"nonce\"", "\"nonce\": \"BAUG\", "),
              "evidence: member \"nonce\" appears twice in the top-level object"},
             {doubled("\"format\"", "\"format\": \"keel-evidence\", "),
              "member \"format\" appears twice in the top-level object"},
             {doubled("\"quote\"", "\"quote\": {\"attest\": \"AAAA\", \"signature\": \"AAAA\"}, "),
              "member \"quote\" appears twice in the top-level object"},
             {doubled(attest, "\"attest\": \"AAAA\", "), "member \"attest\" appears twice in \"quote\""},
             {doubled("\"selection\"", "\"selection\": \"AAAA\", "), "member \"selection\" appears twice in \"pcrs\""},
             {doubled("\"drtm\"", "\"drtm\": \"CAg=\", "), "member \"drtm\" appears twice in \"event_logs\""},
             // The same name written another way is the same member.
             {doubled("\"nonce\"", "\"non\\u0063e\": \"BAUG\", "), "member \"nonce\" appears twice"},
             // Inside an array element (an object there is no evidence, but
             // the repeat is found first, wherever it is).
             {doubled("\"AAAAAA==\"", "{\"a\": 1, \"a\": 2}, "), "member \"a\" appears twice in \"pcrs.values[0]\""},
         })
        expect_rejected(text, words);
}

TEST(IdentityDocument, RoundTripsAndRejectsUnknownMembers) {
    evidence::IdentityDocument id{{1, 2}, Bytes{3}, {4, 5}, {0, 0x0b, 6}};
    auto back = evidence::parse_identity(evidence::write_identity(id));
    EXPECT_EQ(back.ek_public, id.ek_public);
    EXPECT_EQ(back.ek_certificate, id.ek_certificate);
    EXPECT_EQ(back.ak_name, id.ak_name);
    EXPECT_THROW(
        evidence::parse_identity(
            R"({"format":"keel-identity","version":1,"ek_public":"AQI=","ak_public":"BAU=","ak_name":"AAsG","x":1})"),
        ParseError);
    EXPECT_THROW(evidence::parse_identity("{}"), ParseError);
    EXPECT_THROW(evidence::parse_answer(R"({"secret": 7})"), ParseError);
    EXPECT_EQ(evidence::parse_answer(evidence::write_answer({1, 2, 3})), (Bytes{1, 2, 3}));
}

TEST(IdentityDocument, RejectsARepeatedMember) {
    const std::string id = R"({"format":"keel-identity","version":1,"ek_public":"AQI=","ak_public":"BAU=",)"
                           R"("ak_name":"AAsG"})";
    EXPECT_NO_THROW(evidence::parse_identity(id));
    auto expect_repeat = [](auto parse, const std::string& text, const std::string& words) {
        try {
            parse(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ParseError& e) { EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what(); }
    };
    expect_repeat(evidence::parse_identity, R"({"ak_public":"AQI=",)" + id.substr(1),
                  "identity: member \"ak_public\" appears twice in the top-level object");
    expect_repeat(evidence::parse_challenge,
                  R"({"credential_blob":"AQI=","credential_blob":"AQI=","encrypted_secret":"AQI="})",
                  "credential challenge: member \"credential_blob\" appears twice");
    expect_repeat(evidence::parse_answer, R"({"secret":"AQI=","secret":"AQID"})",
                  "credential answer: member \"secret\" appears twice");
}

// A key whose name is a SHA-1 hash cannot serve as an AK: MakeCredential
// binds the credential to the name (found by review).
TEST(AttestationKey, Sha1NameIsRefused) {
    std::ifstream in(KEEL_KEYS_DATA "/ak_rsassa.pub", std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto ak = evidence::parse_public(bytes);
    EXPECT_TRUE(evidence::attestation_key_problems(ak).empty());
    ak.name_alg = 0x0004;
    auto problems = evidence::attestation_key_problems(ak);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("name uses"), std::string::npos) << problems[0];
}

TEST(Policy, DefaultsAreStrict) {
    auto p = verifier::parse_policy(R"({"format": "keel-attestation-policy", "version": 1})");
    EXPECT_EQ(p.required_banks, std::vector<std::uint16_t>{0x000B});
    EXPECT_TRUE(p.require_drtm);
    EXPECT_FALSE(p.required_components);
}

TEST(Policy, ReadsEveryMember) {
    auto p = verifier::parse_policy(R"({"format": "keel-attestation-policy", "version": 1,
        "required_banks": ["sha384", "sha1"], "require_drtm": false, "required_components": ["slb", "hypervisor"]})");
    EXPECT_EQ(p.required_banks, (std::vector<std::uint16_t>{0x000C, 0x0004}));
    EXPECT_FALSE(p.require_drtm);
    EXPECT_EQ(p.required_components, (std::vector<std::string>{"slb", "hypervisor"}));
    auto again = verifier::parse_policy(verifier::write_policy(p));
    EXPECT_EQ(again.required_banks, p.required_banks);
    EXPECT_EQ(again.required_components, p.required_components);
}

TEST(Policy, RejectsMalformedPolicies) {
    const std::string head = R"({"format": "keel-attestation-policy", "version": 1, )";
    for (const auto& [body, words] : std::vector<std::pair<std::string, std::string>>{
             {head + R"("required_banks": ["md5"]})", "unknown bank \"md5\""},
             {head + R"("required_banks": []})", "non-empty"},
             {head + R"("required_banks": ["sha1", "sha1"]})", "twice"},
             {head + R"("require_drtm": "yes"})", "not true or false"},
             {head + R"("required_components": [""]})", "empty"},
             {head + R"("required_components": "slb"})", "not an array"},
             {head + R"("colour": "blue"})", "unknown member \"colour\""},
             {R"({"format": "keel-attestation-policy", "version": 7})", "\"version\""},
             {R"({"version": 1})", "\"format\""},
             {"not json", "not JSON"},
             {"", "not JSON"},
         }) {
        try {
            verifier::parse_policy(body);
            ADD_FAILURE() << "accepted: " << body;
        } catch (const verifier::PolicyError& e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
        }
    }
}

// Each policy member once: {"require_drtm": false, "require_drtm": true}
// must not mean whichever copy a reader happens to keep.
TEST(Policy, RejectsARepeatedMember) {
    const std::string head = R"({"format": "keel-attestation-policy", "version": 1, )";
    for (const auto& [body, words] : std::vector<std::pair<std::string, std::string>>{
             {head + R"("require_drtm": false, "require_drtm": true})",
              "policy: member \"require_drtm\" appears twice in the top-level object"},
             {head + R"("required_banks": ["sha1"], "required_banks": ["sha256"]})",
              "member \"required_banks\" appears twice"},
             {R"({"format": "keel-attestation-policy", "version": 1, "version": 1})",
              "member \"version\" appears twice"},
         }) {
        try {
            verifier::parse_policy(body);
            ADD_FAILURE() << "accepted: " << body;
        } catch (const verifier::PolicyError& e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
        }
    }
}

// The parser all of the above use.
TEST(ExactJson, NamesTheRepeatedMemberAndWhereItIs) {
    auto repeat = [](const std::string& text) -> std::string {
        try {
            keel::json::parse_exact(text);
        } catch (const keel::json::RepeatedMember& e) { return e.what(); }
        return "accepted";
    };
    EXPECT_EQ(repeat(R"({"a": 1, "a": 1})"), "member \"a\" appears twice in the top-level object");
    EXPECT_EQ(repeat(R"({"a": {"b": [1, {"c": {"d": 0, "d": 0}}]}})"), "member \"d\" appears twice in \"a.b[1].c\"");
    EXPECT_EQ(repeat(R"([[], {"x": 1}, {"y": 1, "y": 2}])"), "member \"y\" appears twice in \"[2]\"");
    EXPECT_EQ(repeat(R"({"a": [], "b": {}, "a": 3})"), "member \"a\" appears twice in the top-level object");
    EXPECT_EQ(repeat(R"({"e\u001b[2J": 1, "e\u001b[2J": 2})"),
              "member \"e\\u001b[2J\" appears twice in the top-level object");
    // The same name in different objects is no repeat.
    EXPECT_EQ(repeat(R"({"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 2}], "x": 0})"), "accepted");
    EXPECT_EQ(keel::json::parse_exact(R"({"a": [1, {"b": 2}]})")["a"][1]["b"], 2);
    EXPECT_TRUE(keel::json::parse_exact("{\"a\": 1,").is_discarded());
    EXPECT_TRUE(keel::json::parse_exact("1 2").is_discarded());
    EXPECT_THROW(keel::json::parse_exact("{\"a\": 1,", true), nlohmann::json::parse_error);
}

class HostStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("keel-store-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    verifier::HostRecord host(const std::string& id) {
        verifier::HostRecord h;
        h.host_id = id;
        h.ek_public = {1, 2, static_cast<std::uint8_t>(id.back())};  // each host its own TPM
        h.ak_public = {4, 5};
        h.ak_name = {0, 0x0b, 7};
        h.reference_json = "{}";
        h.policy_json = "{}";
        return h;
    }
    std::filesystem::path dir_;
};

TEST_F(HostStoreTest, KeepsHostsAcrossOpens) {
    auto path = (dir_ / "hosts.sqlite").string();
    {
        verifier::HostStore store(path, verifier::StoreOpening::create_if_missing);
        auto h = host("node-1");
        h.ek_certificate = Bytes{0x30, 0x82};
        store.enroll(h, false);
        store.enroll(host("node-2"), false);
    }
    verifier::HostStore store(path, verifier::StoreOpening::existing);
    EXPECT_EQ(store.host_ids(), (std::vector<std::string>{"node-1", "node-2"}));
    auto h = store.find("node-1");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->ak_name, (Bytes{0, 0x0b, 7}));
    EXPECT_EQ(h->ek_certificate, (Bytes{0x30, 0x82}));
    EXPECT_FALSE(h->last_clock);
    EXPECT_FALSE(h->enrolled_at.empty());
    EXPECT_FALSE(store.find("node-3"));
}

TEST_F(HostStoreTest, RefusesToEnrolTwiceUnlessReplacing) {
    verifier::HostStore store((dir_ / "hosts.sqlite").string(), verifier::StoreOpening::create_if_missing);
    store.enroll(host("node-1"), false);
    EXPECT_THROW(store.enroll(host("node-1"), false), verifier::EnrollmentConflict);
    auto h = host("node-1");
    h.ak_name = {0, 0x0b, 8};
    store.enroll(h, true);
    EXPECT_EQ(store.find("node-1")->ak_name, (Bytes{0, 0x0b, 8}));
}

TEST_F(HostStoreTest, CountersOnlyMoveForward) {
    verifier::HostStore store((dir_ / "hosts.sqlite").string(), verifier::StoreOpening::create_if_missing);
    store.enroll(host("node-1"), false);
    EXPECT_TRUE(store.record_quote("node-1", {1000, 3, 0, true}));
    EXPECT_TRUE(store.record_quote("node-1", {1500, 3, 0, true}));
    EXPECT_FALSE(store.record_quote("node-1", {1400, 3, 0, true}));
    EXPECT_FALSE(store.record_quote("node-1", {9000, 2, 0, true}));
    EXPECT_TRUE(store.record_quote("node-1", {10, 4, 0, true}));
    auto h = store.find("node-1");
    EXPECT_EQ(h->last_clock->reset_count, 4u);
    EXPECT_EQ(h->last_clock->clock, 10u);
    EXPECT_FALSE(h->last_verified_at.empty());
    EXPECT_FALSE(store.record_quote("node-9", {1, 1, 1, true}));
}

TEST_F(HostStoreTest, ClockBeyondTwoToTheSixtyThreeStillCompares) {
    verifier::HostStore store((dir_ / "hosts.sqlite").string(), verifier::StoreOpening::create_if_missing);
    store.enroll(host("node-1"), false);
    const std::uint64_t huge = (1ull << 63) + 5;  // TPM2_ClockSet can move the clock there
    EXPECT_TRUE(store.record_quote("node-1", {huge, 3, 0, true}));
    EXPECT_EQ(store.find("node-1")->last_clock->clock, huge);
    EXPECT_TRUE(store.record_quote("node-1", {huge + 1, 3, 0, true}));
    EXPECT_FALSE(store.record_quote("node-1", {5, 3, 0, true}));
}

TEST_F(HostStoreTest, RejectsAFileThatIsNotAStore) {
    auto path = dir_ / "not-a-db";
    std::ofstream(path) << "this is not an SQLite file, it is text that is long enough to have a header";
    for (auto opening : {verifier::StoreOpening::existing, verifier::StoreOpening::create_if_missing}) {
        EXPECT_THROW(verifier::HostStore(path.string(), opening), verifier::StoreError);
        EXPECT_THROW(verifier::HostStore((dir_ / "missing-dir" / "x.sqlite").string(), opening), verifier::StoreError);
    }
}

// keel verify opens a store as existing: a mistyped --db is an error naming
// the file, and no empty store appears in its place.
TEST_F(HostStoreTest, OpeningAnExistingStoreNeverCreatesOne) {
    const auto path = dir_ / "hosts.sqlite";
    try {
        verifier::HostStore store(path.string(), verifier::StoreOpening::existing);
        FAIL() << "opened a store that does not exist";
    } catch (const verifier::StoreError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string() + ": no such file"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

// Someone else's SQLite database is refused and left as it was: no hosts
// table is added to it.
TEST_F(HostStoreTest, AnotherSqliteDatabaseIsNotAStoreAndIsNotChanged) {
    const auto path = (dir_ / "app.sqlite").string();
    const auto& sql = verifier::sqlite();
    sqlite3* db = nullptr;
    ASSERT_EQ(sql.open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    ASSERT_EQ(sql.exec(db, "CREATE TABLE notes (text TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
    sql.close(db);
    for (auto opening : {verifier::StoreOpening::existing, verifier::StoreOpening::create_if_missing}) {
        try {
            verifier::HostStore store(path, opening);
            ADD_FAILURE() << "opened another application's database as a host store";
        } catch (const verifier::StoreError& e) {
            EXPECT_NE(std::string(e.what()).find("not a Keel host store"), std::string::npos) << e.what();
        }
    }
    ASSERT_EQ(sql.open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* count = nullptr;
    ASSERT_EQ(sql.prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &count, nullptr), SQLITE_OK);
    ASSERT_EQ(sql.step(count), SQLITE_ROW);
    EXPECT_EQ(sql.column_int64(count, 0), 1) << "a table was added";
    sql.finalize(count);
    sql.close(db);
}

// One TPM, one host id: the same EK under a second id would make a quote
// from that TPM trusted as either host's.
TEST_F(HostStoreTest, TheSameEkCannotBeEnrolledUnderTwoHostIds) {
    verifier::HostStore store((dir_ / "hosts.sqlite").string(), verifier::StoreOpening::create_if_missing);
    store.enroll(host("node-1"), false);
    auto twin = host("node-2");
    twin.ek_public = host("node-1").ek_public;
    for (bool replace : {false, true}) {
        try {
            store.enroll(twin, replace);
            FAIL() << "the same EK was enrolled twice";
        } catch (const verifier::EnrollmentConflict& e) {
            EXPECT_NE(std::string(e.what()).find("this EK is already enrolled as host \"node-1\""), std::string::npos)
                << e.what();
        }
    }
    EXPECT_EQ(store.host_ids(), (std::vector<std::string>{"node-1"}));
    store.enroll(host("node-1"), true);  // the same host again is fine
}

}  // namespace
}  // namespace keel::test
