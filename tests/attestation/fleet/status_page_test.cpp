// The status page's HTML (status_page.hpp) with hosts in every state, some
// named by an attacker: host ids, component names and check messages are
// text in the page, never markup; the checks and components a failed
// appraisal names are shown; the policy it is sent with lets nothing load
// or run. The status listener's rules: loopback addresses only
// (check_config), loopback Host headers only (DNS rebinding).
#include <gtest/gtest.h>

#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/html_escape.hpp"
#include "attestation/verifierd/named_components.hpp"
#include "attestation/verifierd/status_page.hpp"
#include "attestation/verifierd/status_server.hpp"

namespace keel::verifierd {
namespace {

constexpr Millis noon = 1796558400000;  // 2026-12-06T12:00:00Z

StatusEntry entry(const std::string& id, HostState state, AttestMode mode = AttestMode::push) {
    StatusEntry e;
    e.host.record.host_id = id;
    e.host.state = state;
    e.host.mode = mode;
    if (state != HostState::pending) e.host.last_attested = noon;
    return e;
}

StatusEntry failed(const std::string& id, const std::string& check, const std::string& message) {
    auto e = entry(id, HostState::not_trusted);
    Appraisal a;
    a.host_id = id;
    a.verdict = "not-trusted";
    a.checks = {{"quote.signature", "pass", "the AK signed it"}, {check, "fail", message}};
    e.last = a;
    return e;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(StatusPage, EscapesEveryCharacterThatCouldBeMarkup) {
    EXPECT_EQ(html_escape(R"(<a href="x" title='y'>&amp;</a>)"),
              "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    EXPECT_EQ(html_escape("node-1.example_2"), "node-1.example_2");
    EXPECT_EQ(html_escape(""), "");
}

TEST(StatusPage, AHostileHostIdComponentAndMessageAreText) {
    const std::string script = "<script>alert(1)</script>";
    const std::string img = R"("><img src=x onerror=alert(1)>)";
    // The component's name as component_checks.cpp writes it (a " escaped as \").
    const std::string message =
        R"(component "\"><img src=x onerror=alert(1)>" (PCR 19, event 7): not in the reference values; )" + script;
    auto page =
        render_status_page({entry(script, HostState::pending), failed("node", "reference.components", message)}, noon);
    EXPECT_EQ(page.find("<script"), std::string::npos) << page;
    EXPECT_EQ(page.find("<img"), std::string::npos) << page;
    EXPECT_EQ(page.find("onerror=alert(1)>"), std::string::npos) << page;
    EXPECT_NE(page.find("<td class=\"host\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"), std::string::npos) << page;
    EXPECT_NE(page.find("<span class=\"component\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>"),
              std::string::npos)
        << page;
    // The only elements are the page's own.
    EXPECT_EQ(count(page, "<style>"), 1u);
    EXPECT_EQ(count(page, "<tr class="), 2u);
}

TEST(StatusPage, EveryHostWithItsModeVerdictAndLastAppraisal) {
    auto gone = entry("gone", HostState::unreachable, AttestMode::pull);
    gone.host.last_error = "cannot reach http://127.0.0.1:1";
    auto page =
        render_status_page({entry("good", HostState::trusted), entry("new", HostState::pending, AttestMode::pull), gone,
                            failed("bad", "quote.nonce", "the quote is over another nonce")},
                           noon + 1000);
    EXPECT_NE(page.find("<tr class=\"trusted\"><td class=\"host\">good</td><td class=\"mode\">push</td>"
                        "<td class=\"verdict\">trusted</td><td class=\"time\">2026-12-06T12:00:00.000Z</td>"),
              std::string::npos)
        << page;
    EXPECT_NE(page.find("<td class=\"host\">new</td><td class=\"mode\">pull</td><td class=\"verdict\">never "
                        "appraised</td><td class=\"time\">never</td>"),
              std::string::npos)
        << page;
    EXPECT_NE(page.find("<td class=\"verdict\">unreachable</td>"), std::string::npos) << page;
    EXPECT_NE(page.find("last try: cannot reach http://127.0.0.1:1"), std::string::npos) << page;
    EXPECT_NE(page.find("<td class=\"verdict\">not trusted</td>"), std::string::npos) << page;
    EXPECT_NE(page.find("<li><span class=\"check\">quote.nonce</span>: <span class=\"message\">the quote is over "
                        "another nonce</span></li>"),
              std::string::npos)
        << page;
    EXPECT_EQ(page.find("quote.signature"), std::string::npos) << "a passed check is not a failure";
    // Hosts that need attention first.
    EXPECT_LT(page.find(">bad<"), page.find(">gone<"));
    EXPECT_LT(page.find(">gone<"), page.find(">new<"));
    EXPECT_LT(page.find(">new<"), page.find(">good<"));
    EXPECT_NE(page.find("4 hosts: 1 trusted, 1 not trusted, 1 unreachable, 1 never appraised"), std::string::npos);
}

TEST(StatusPage, FailedChecksNameTheirComponents) {
    EXPECT_EQ(named_components(R"(component "hypervisor" (PCR 17, event 3): its sha256 digest ab is not cd; )"
                               R"(component "a \"quoted\\ name" (PCR 19, event 5): x; component "hypervisor" again)"),
              (std::vector<std::string>{"hypervisor", R"(a "quoted\ name)"}));
    EXPECT_EQ(named_components(R"(required component "guest" is not measured)"), std::vector<std::string>{"guest"});
    EXPECT_TRUE(named_components(R"(event 4 (PCR 17, type 0x602) is not a Keel component)").empty());
    EXPECT_TRUE(named_components(R"(component "cut off)").empty());
    EXPECT_TRUE(named_components(R"(component "ends in a backslash\")").empty());
}

TEST(StatusPage, ThePolicyLetsNothingLoadOrRun) {
    const auto& policy = status_page_policy();
    EXPECT_EQ(policy.rfind("default-src 'none'; style-src 'sha256-", 0), 0u) << policy;
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("script-src"), std::string::npos) << policy;
}

TEST(StatusPage, TheListenerAnswersOnlyToALoopbackHost) {
    for (const char* host : {"127.0.0.1:7736", "localhost:8080", "localhost", "[::1]:7736", "127.1.2.3"})
        EXPECT_TRUE(is_loopback_host_header(host)) << host;
    for (const char* host : {"", "evil.example", "evil.example:7736", "localhost.evil.example:7736", "10.0.0.1:7736",
                             "127.0.0.1:x", "127.0.0.1:7736:1", "[::1", "[::2]:7736", "127.0.0.1.evil.example"})
        EXPECT_FALSE(is_loopback_host_header(host)) << host;
}

TEST(StatusPage, TheListenerIsLoopbackOnlyEvenWithTls) {
    Config c;
    c.listen = "0.0.0.0:7735";
    c.tls = {"server.pem", "server.key", "ca.pem"};
    for (const char* listen : {"127.0.0.1:7736", "[::1]:0", "localhost:7736"}) {
        c.status_listen = listen;
        EXPECT_NO_THROW(check_config(c)) << listen;
    }
    for (const char* listen : {"0.0.0.0:7736", "[::]:7736", "192.0.2.1:7736", "verifier.example:7736"}) {
        c.status_listen = listen;
        EXPECT_THROW(check_config(c), ConfigError) << listen;
    }
    c.status_listen = "127.0.0.1";
    EXPECT_THROW(check_config(c), ConfigError);
}

}  // namespace
}  // namespace keel::verifierd
