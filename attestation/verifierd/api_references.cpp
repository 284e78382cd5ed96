// The REST API's signed reference documents (api_server.hpp lists the
// routes): publishing one, reading them, and moving hosts between them. A
// document is stored only after its signature held against a trusted
// publisher's key (trusted_publishers.hpp); a move names a stored document
// and enrolled hosts, or changes nothing.
#include <httplib.h>

#include "attestation/verifierd/api_reply.hpp"
#include "attestation/verifierd/api_server.hpp"
#include "attestation/verifierd/enrolment_request.hpp"

namespace keel::verifierd {
namespace {

using nlohmann::json;

// More hosts than this in one move is a mistake or an attack on the store's
// transaction; a fleet's rollout moves by from_version.
constexpr std::size_t max_hosts_per_move = 10000;

std::string iso_seconds(std::int64_t seconds) { return iso_time(seconds * 1000).substr(0, 19) + "Z"; }

json reference_summary(const PublishedReference& d) {
    return {{"name", d.id.name},
            {"version", d.id.version},
            {"digest", d.digest},
            {"publisher", d.publisher},
            {"issued_at", iso_seconds(d.issued_at)},
            {"published_at", iso_time(d.published)}};
}

// The {name}/{version} of the path, as valid labels (a malformed one can
// name no stored document, and is said to be malformed).
ReferenceName path_reference(const httplib::Request& req) {
    ReferenceName id{req.matches[1].str(), req.matches[2].str()};
    if (!refdoc::valid_label(id.name) || !refdoc::valid_label(id.version))
        throw ApiError{400, "malformed",
                       "a reference document's name and version are 1 to 64 letters, digits, '.', "
                       "'_', '-' or '+'"};
    return id;
}

ReferenceName body_reference(const json& body) {
    try {
        return parse_reference_name(body, "reference");
    } catch (const EnrolmentRefused& e) { throw ApiError{400, "malformed", e.what()}; }
}

}  // namespace

void ApiServer::publish_reference(const httplib::Request& req, httplib::Response& res) {
    if (!s_.publishers || s_.publishers->empty())
        throw ApiError{403, "reference-refused",
                       "this verifier trusts no publisher of reference documents ([references] trusted_publishers is "
                       "not set)"};
    std::string_view body = req.body;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.remove_suffix(1);
    refdoc::ReferenceDocument d;
    try {
        d = s_.publishers->verify(body);
    } catch (const ear::MalformedToken& e) {
        throw ApiError{400, "malformed", std::string("not a signed reference document: ") + e.what()};
    } catch (const ear::TokenRefused& e) { throw ApiError{422, "reference-refused", e.what()}; }
    PublishedReference stored;
    stored.id = {d.name, d.version};
    stored.document = d.token;
    stored.digest = d.digest;
    stored.reference_json = d.reference_json;
    stored.publisher = d.publisher;
    stored.issued_at = d.issued_at;
    Publication outcome;
    try {
        outcome = s_.store.publish_reference(stored);
    } catch (const ReferenceConflict& e) { throw ApiError{409, "reference-conflict", e.what()}; }
    auto kept = s_.store.reference(stored.id);
    if (!kept) throw StoreError("reference document " + stored.id.label() + " was stored and cannot be read back");
    auto j = reference_summary(*kept);
    j["outcome"] = outcome == Publication::stored ? "stored" : "already-published";
    send(res, outcome == Publication::stored ? 201 : 200, j);
}

void ApiServer::list_references(const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const auto& d : s_.store.references()) list.push_back(reference_summary(d));
    send(res, 200, {{"references", list}});
}

void ApiServer::show_reference(const httplib::Request& req, httplib::Response& res) {
    const auto id = path_reference(req);
    auto d = s_.store.reference(id);
    if (!d) throw ApiError{404, "not-found", UnknownReference(id).what()};
    auto j = reference_summary(*d);
    j["document"] = d->document;
    j["reference_values"] = json::parse(d->reference_json);
    send(res, 200, j);
}

void ApiServer::assign_reference(const httplib::Request& req, httplib::Response& res) {
    const auto to = path_reference(req);
    const auto body = parse_body(req);
    if (!body.is_object() || body.contains("hosts") == body.contains("from_version") || body.size() != 1)
        throw ApiError{400, "malformed",
                       "give exactly one of \"hosts\" (host ids) or \"from_version\" (every host on that version of "
                       "the same name)"};
    std::vector<std::string> moved;
    try {
        if (body.contains("hosts")) {
            const auto& hosts = body["hosts"];
            if (!hosts.is_array() || hosts.empty() || hosts.size() > max_hosts_per_move)
                throw ApiError{400, "malformed",
                               "\"hosts\" must be 1 to " + std::to_string(max_hosts_per_move) + " host ids"};
            for (const auto& h : hosts) {
                if (!h.is_string() || !valid_host_id(h.get<std::string>()))
                    throw ApiError{400, "malformed", "\"hosts\" must hold host ids"};
                moved.push_back(h.get<std::string>());
            }
            s_.store.refer_hosts(moved, to);
        } else {
            const auto& from = body["from_version"];
            if (!from.is_string() || !refdoc::valid_label(from.get<std::string>()))
                throw ApiError{400, "malformed", "\"from_version\" must be a version"};
            moved = s_.store.move_references({to.name, from.get<std::string>()}, to);
        }
    } catch (const UnknownReference& e) { throw ApiError{404, "not-found", e.what()}; } catch (const UnknownHost& e) {
        throw ApiError{404, "not-found", e.what() + std::string("; no host was moved")};
    }
    send(res, 200, {{"reference", to.label()}, {"hosts", moved}});
}

void ApiServer::set_host_reference(const httplib::Request& req, httplib::Response& res) {
    const auto host_id = req.matches[1].str();
    const auto to = body_reference(parse_body(req));
    try {
        s_.store.refer_hosts({host_id}, to);
    } catch (const UnknownReference& e) { throw ApiError{404, "not-found", e.what()}; } catch (const UnknownHost& e) {
        throw ApiError{404, "not-found", e.what()};
    }
    send(res, 200, {{"host_id", host_id}, {"reference", to.label()}});
}

}  // namespace keel::verifierd
