// The fleet store's signed reference documents, one test body run against
// both stores like the store contract (store_contract_test.cpp): SQLite in
// the unit tests, PostgreSQL (a server of the test's own) with
// KEEL_STORE_CONTRACT_POSTGRESQL. A (name, version) holds one document for
// good; hosts enrol by reference and are read back with the document's
// values; moves are all or none; an unknown document or host changes
// nothing; each appraisal keeps the document it used; and a store from
// before reference documents is migrated with its hosts as they were.
#include <gtest/gtest.h>

#include <filesystem>

#include "attestation/verifierd/open_fleet_store.hpp"
#include "tests/attestation/fleet/store_fixtures.hpp"
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
#include <libpq-fe.h>

#include "pg_server.hpp"
#define KEEL_STORE_CONTRACT_STORE "postgresql"
#else
#include <sqlite3.h>
#define KEEL_STORE_CONTRACT_STORE "sqlite"
#endif

namespace keel::verifierd {
namespace {

namespace fs = std::filesystem;

const std::string values_1 = R"({"components":[],"format":"keel-reference-values","version":1})";
const std::string values_2 = R"({"components":[],"format":"keel-reference-values","pcrs":{"sha256":{"17":")" +
                             std::string(64, '0') + R"("}},"version":1})";

PublishedReference document(const std::string& version, const std::string& values, const std::string& bytes = "") {
    PublishedReference d;
    d.id = {"keel-hv", version};
    d.document = bytes.empty() ? "header.payload-" + version + ".signature" : bytes;
    d.digest = "sha256:" + std::string(64, version.back());
    d.reference_json = values;
    d.publisher = "publisher-kid";
    d.issued_at = 1796000000;
    return d;
}

FleetHost referring(const std::string& id, const std::string& version) {
    auto h = test::host(id);
    h.record.reference_document = ReferenceName{"keel-hv", version};
    h.record.reference_json.clear();
    return h;
}

class RefdocStore : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
        server_ = std::make_unique<test::PgServer>();
        server_->create_database("fleet");
        target_ = server_->uri("fleet");
#else
        char pattern[] = "/tmp/keel-refdoc-store-XXXXXX";
        dir_ = mkdtemp(pattern);
        target_ = (dir_ / "fleet.sqlite").string();
#endif
        store_ = open_fleet_store(target_);
    }
    void TearDown() override {
        store_.reset();
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
        server_.reset();
#endif
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    // SQL on the store, not through it (a store as an older version left it).
    void sql(const std::string& statements) {
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
        PGconn* c = PQconnectdb(target_.c_str());
        PGresult* r = PQexec(c, statements.c_str());
        EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
        PQclear(r);
        PQfinish(c);
#else
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(target_.c_str(), &db), SQLITE_OK);
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
        sqlite3_free(error);
        sqlite3_close(db);
#endif
    }
    std::vector<std::string> host_ids() {
        std::vector<std::string> out;
        for (const auto& h : store_->hosts()) out.push_back(h.record.host_id);
        return out;
    }

#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
    std::unique_ptr<test::PgServer> server_;
#endif
    fs::path dir_;
    std::string target_;
    std::unique_ptr<FleetStore> store_;
};

TEST_P(RefdocStore, ADocumentIsPublishedOnceAndNeverReplaced) {
    EXPECT_EQ(store_->publish_reference(document("1.0", values_1)), Publication::stored);
    // The same bytes again: nothing to do.
    EXPECT_EQ(store_->publish_reference(document("1.0", values_1)), Publication::already_there);
    // Another document under the same name and version: refused, the first kept.
    EXPECT_THROW(store_->publish_reference(document("1.0", values_2, "another.document.signature")), ReferenceConflict);
    auto kept = store_->reference({"keel-hv", "1.0"});
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->document, document("1.0", values_1).document);
    EXPECT_EQ(kept->reference_json, values_1);
    EXPECT_EQ(kept->publisher, "publisher-kid");
    EXPECT_EQ(kept->issued_at, 1796000000);
    EXPECT_GT(kept->published, 0);
    // Another instance sees it, and refuses the same.
    auto other = open_fleet_store(target_);
    EXPECT_THROW(other->publish_reference(document("1.0", values_2, "x.y.z")), ReferenceConflict);
    EXPECT_EQ(store_->publish_reference(document("1.1", values_2)), Publication::stored);
    auto all = other->references();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id.label(), "keel-hv@1.0");
    EXPECT_EQ(all[1].id.label(), "keel-hv@1.1");
    EXPECT_FALSE(store_->reference({"keel-hv", "2.0"}));
}

TEST_P(RefdocStore, AHostEnrolledByReferenceIsReadWithTheDocumentsValues) {
    store_->publish_reference(document("1.0", values_1));
    store_->enroll(referring("node", "1.0"), false);
    auto h = store_->host("node");
    ASSERT_TRUE(h);
    ASSERT_TRUE(h->record.reference_document);
    EXPECT_EQ(h->record.reference_document->label(), "keel-hv@1.0");
    EXPECT_EQ(h->record.reference_json, values_1);
    // Inline reference values keep working beside it.
    store_->enroll(test::host("inline"), false);
    EXPECT_FALSE(store_->host("inline")->record.reference_document);
    EXPECT_EQ(store_->host("inline")->record.reference_json, "{}");
    // Also as a claimed pull host.
    auto claimed = store_->claim_due_hosts("verifier-a", now_ms() + 60'000, 1000, 0, 10);
    ASSERT_EQ(claimed.size(), 2u);
    for (const auto& c : claimed)
        EXPECT_EQ(c.record.reference_json, c.record.host_id == "node" ? values_1 : "{}") << c.record.host_id;
}

TEST_P(RefdocStore, AnUnknownReferenceIsRefusedAndNothingIsStored) {
    EXPECT_THROW(store_->enroll(referring("node", "9.9"), false), UnknownReference);
    EXPECT_TRUE(host_ids().empty());
    store_->publish_reference(document("1.0", values_1));
    store_->enroll(referring("node", "1.0"), false);
    // Enrolled again (replace) with an unknown one: the old record stays.
    EXPECT_THROW(store_->enroll(referring("node", "9.9"), true), UnknownReference);
    EXPECT_EQ(store_->host("node")->record.reference_document->version, "1.0");
    EXPECT_THROW(store_->refer_hosts({"node"}, {"keel-hv", "9.9"}), UnknownReference);
    EXPECT_THROW(store_->move_references({"keel-hv", "1.0"}, {"keel-hv", "9.9"}), UnknownReference);
    EXPECT_EQ(store_->host("node")->record.reference_document->version, "1.0");
}

TEST_P(RefdocStore, HostsMoveToANewVersionAllOrNone) {
    store_->publish_reference(document("1.0", values_1));
    store_->publish_reference(document("1.1", values_2));
    for (const char* id : {"a", "b", "c"}) store_->enroll(referring(id, "1.0"), false);
    store_->enroll(test::host("inline"), false);
    // One host not enrolled: none is moved.
    EXPECT_THROW(store_->refer_hosts({"a", "nobody"}, {"keel-hv", "1.1"}), UnknownHost);
    EXPECT_EQ(store_->host("a")->record.reference_json, values_1);
    store_->refer_hosts({"a", "inline"}, {"keel-hv", "1.1"});
    EXPECT_EQ(store_->host("a")->record.reference_json, values_2);
    EXPECT_EQ(store_->host("inline")->record.reference_json, values_2);
    EXPECT_EQ(store_->host("inline")->record.reference_document->label(), "keel-hv@1.1");
    EXPECT_EQ(store_->host("b")->record.reference_json, values_1);
    // Everyone left on 1.0, in one statement.
    EXPECT_EQ(store_->move_references({"keel-hv", "1.0"}, {"keel-hv", "1.1"}), (std::vector<std::string>{"b", "c"}));
    for (const auto& h : store_->hosts()) EXPECT_EQ(h.record.reference_json, values_2) << h.record.host_id;
    EXPECT_TRUE(store_->move_references({"keel-hv", "1.0"}, {"keel-hv", "1.1"}).empty());
}

TEST_P(RefdocStore, EachAppraisalKeepsTheDocumentItWasMadeAgainst) {
    store_->publish_reference(document("1.0", values_1));
    store_->enroll(referring("node", "1.0"), false);
    auto a = test::appraisal("node", "trusted", 1000);
    a.reference = "keel-hv@1.0";
    store_->record_appraisal(a, std::nullopt);
    store_->record_appraisal(test::appraisal("node", "trusted", 2000), std::nullopt);
    auto history = store_->appraisals("node", 10);
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].reference, "");
    EXPECT_EQ(history[1].reference, "keel-hv@1.0");
}

TEST_P(RefdocStore, AStoreFromBeforeReferenceDocumentsIsMigratedWithItsHosts) {
    store_->enroll(test::host("old-host"), false);
    store_->record_appraisal(test::appraisal("old-host", "trusted", 1000), std::nullopt);
    store_.reset();
    // Back to version 4 (SQLite: 3, its version 4 changing nothing).
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
    sql("ALTER TABLE hosts DROP CONSTRAINT hosts_reference_document; DROP TABLE reference_documents; "
        "DROP INDEX hosts_by_reference; ALTER TABLE hosts DROP COLUMN reference_name; "
        "ALTER TABLE hosts DROP COLUMN reference_version; ALTER TABLE appraisals DROP COLUMN reference; "
        "DELETE FROM schema_version WHERE version = 5;");
#else
    sql("DROP TABLE reference_documents; DROP INDEX hosts_by_reference; ALTER TABLE hosts DROP COLUMN reference_name; "
        "ALTER TABLE hosts DROP COLUMN reference_version; ALTER TABLE appraisals DROP COLUMN reference; "
        "DELETE FROM schema_version WHERE version >= 4; PRAGMA user_version = 3;");
#endif
    store_ = open_fleet_store(target_);
    EXPECT_EQ(store_->schema_version(), 5);
    auto old = store_->host("old-host");
    ASSERT_TRUE(old);
    EXPECT_FALSE(old->record.reference_document);
    EXPECT_EQ(old->record.reference_json, "{}");
    auto history = store_->appraisals("old-host", 10);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].reference, "");
    // And it takes documents at once.
    store_->publish_reference(document("1.0", values_1));
    store_->refer_hosts({"old-host"}, {"keel-hv", "1.0"});
    EXPECT_EQ(store_->host("old-host")->record.reference_json, values_1);
}

#ifndef KEEL_STORE_CONTRACT_POSTGRESQL
// SQLite cannot add the foreign key PostgreSQL has: a document gone from
// under a host (a hand-edited file) is a damaged store, never a host with no
// reference values to fail.
TEST_P(RefdocStore, AHostWhoseDocumentIsGoneIsADamagedStore) {
    store_->publish_reference(document("1.0", values_1));
    store_->enroll(referring("node", "1.0"), false);
    sql("DELETE FROM reference_documents");
    EXPECT_THROW(store_->host("node"), StoreError);
}
#endif

INSTANTIATE_TEST_SUITE_P(Stores, RefdocStore, ::testing::Values(KEEL_STORE_CONTRACT_STORE),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace keel::verifierd
