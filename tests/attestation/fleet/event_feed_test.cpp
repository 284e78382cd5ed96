// The event feed (event_feed.hpp) and its Server-Sent Events form
// (event_stream.hpp), in process: resumption from the ring gives exactly
// the missed events, an id the ring no longer holds is reported lost, the
// subscriber limit holds, a subscriber that does not read is cut off with a
// last comment while publishing and the other subscribers go on, and the
// webhook gets the same numbered events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attestation/verifierd/event_feed.hpp"
#include "attestation/verifierd/event_stream.hpp"
#include "attestation/verifierd/notify_event.hpp"

namespace keel::verifierd {
namespace {

using std::chrono::milliseconds;

nlohmann::json change(const std::string& host) {
    return verdict_change_event(host, HostState::trusted, HostState::not_trusted, 1796637600000);
}

EventsConfig small(std::size_t ring = 5, std::size_t buffer = 3, std::size_t subscribers = 2) {
    EventsConfig c;
    c.ring = ring;
    c.subscriber_buffer = buffer;
    c.max_subscribers = subscribers;
    c.heartbeat = std::chrono::seconds(3600);
    return c;
}

std::vector<std::string> ids(const EventFeed::Batch& b) {
    std::vector<std::string> out;
    for (const auto& e : b.events) out.push_back(e["event_id"]);
    return out;
}

TEST(FleetEvents, ASubscriberGetsEachEventNumberedInOrder) {
    EventFeed feed("i", small());
    auto s = feed.subscribe(std::nullopt);
    ASSERT_TRUE(s);
    feed.publish(change("a"));
    feed.publish(change("b"));
    const auto b = s->next(milliseconds(0));
    EXPECT_EQ(ids(b), (std::vector<std::string>{"i-1", "i-2"}));
    EXPECT_EQ(b.events[1]["host_id"], "b");
    EXPECT_FALSE(s->lost());
    EXPECT_EQ(feed.counts().published, 2u);
}

TEST(FleetEvents, ResumptionGivesExactlyTheMissedEvents) {
    EventFeed feed("i", small());
    for (const char* h : {"a", "b", "c", "d"}) feed.publish(change(h));
    auto s = feed.subscribe(std::string("i-2"));
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->lost());
    feed.publish(change("e"));
    EXPECT_EQ(ids(s->next(milliseconds(0))), (std::vector<std::string>{"i-3", "i-4", "i-5"}));
    // Up to date: nothing is replayed.
    auto current = feed.subscribe(std::string("i-5"));
    EXPECT_TRUE(current->next(milliseconds(0)).events.empty());
    EXPECT_FALSE(current->lost());
}

TEST(FleetEvents, AnIdTheRingNoLongerHoldsIsLostAndTheRingFollows) {
    EventFeed feed("i", small(3, 10, 4));
    for (const char* h : {"a", "b", "c", "d", "e"}) feed.publish(change(h));  // the ring keeps i-3..i-5
    auto resumable = feed.subscribe(std::string("i-2"));  // i-3 onwards are all kept
    EXPECT_FALSE(resumable->lost());
    EXPECT_EQ(ids(resumable->next(milliseconds(0))), (std::vector<std::string>{"i-3", "i-4", "i-5"}));
    resumable.reset();
    for (const char* old : {"i-1", "other-7", "i-99", "garbage"}) {
        auto s = feed.subscribe(std::string(old));
        ASSERT_TRUE(s);
        EXPECT_TRUE(s->lost()) << old;
        EXPECT_EQ(ids(s->next(milliseconds(0))), (std::vector<std::string>{"i-3", "i-4", "i-5"})) << old;
    }
}

TEST(FleetEvents, NoMoreThanTheLimitOfSubscribers) {
    EventFeed feed("i", small(5, 3, 2));
    auto a = feed.subscribe(std::nullopt), b = feed.subscribe(std::nullopt);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(feed.subscribe(std::nullopt), nullptr);
    EXPECT_EQ(feed.counts().subscribers, 2u);
    a.reset();  // one leaves: one may come
    EXPECT_NE(feed.subscribe(std::nullopt), nullptr);
}

TEST(FleetEvents, ASubscriberThatDoesNotReadIsCutOffAndTheOthersGoOn) {
    EventFeed feed("i", small(100, 3, 2));
    auto stalled = feed.subscribe(std::nullopt), reader = feed.subscribe(std::nullopt);
    std::vector<std::string> got;
    for (int i = 0; i < 10; ++i) {
        feed.publish(change("h" + std::to_string(i)));  // returns at once: nothing waits for `stalled`
        for (auto& id : ids(reader->next(milliseconds(0)))) got.push_back(id);
    }
    EXPECT_EQ(got.size(), 10u);
    const auto cut = stalled->next(milliseconds(0));
    EXPECT_TRUE(cut.fell_behind);
    EXPECT_TRUE(cut.events.empty());  // its queue is dropped: memory stays bounded
    EXPECT_EQ(feed.counts().subscribers_cut_off, 1u);
    // It resumes from the last event it got, within the ring.
    stalled.reset();
    auto resumed = feed.subscribe(std::string("i-3"));
    EXPECT_EQ(ids(resumed->next(milliseconds(0))).size(), 7u);
}

TEST(FleetEvents, TheStreamIsServerSentEvents) {
    EventFeed feed("i", small(5, 2, 4));
    feed.publish(change("a"));
    std::string out;
    const auto write = [&](std::string_view t) {
        out += t;
        return true;
    };
    EventStream lost(feed.subscribe(std::string("i-0-nothing")), std::string("i-0-nothing"), milliseconds(3600000), 2);
    EXPECT_TRUE(lost.step(write, milliseconds(0)));
    EXPECT_EQ(out.rfind(": keel-verifierd verdict changes\n\n", 0), 0u) << out;
    EXPECT_NE(out.find("event: keel-events-lost\ndata: {"), std::string::npos) << out;
    EXPECT_NE(out.find("\"last_event_id\":\"i-0-nothing\""), std::string::npos) << out;
    auto first = change("a");
    first["event_id"] = "i-1";
    EXPECT_NE(out.find("id: i-1\nevent: keel-verdict-change\ndata: " + first.dump() + "\n\n"), std::string::npos)
        << out;

    // Falling behind ends the stream with a comment that says so.
    out.clear();
    EventStream behind(feed.subscribe(std::nullopt), std::nullopt, milliseconds(3600000), 2);
    EXPECT_TRUE(behind.step(write, milliseconds(0)));
    for (const char* h : {"b", "c", "d"}) feed.publish(change(h));
    EXPECT_FALSE(behind.step(write, milliseconds(0)));
    EXPECT_NE(out.find(": keel-verifierd: this subscriber fell more than 2 events behind and is disconnected"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("id: "), std::string::npos) << out;

    // A quiet stream sends heartbeats; a client that is gone ends it.
    out.clear();
    EventStream quiet(feed.subscribe(std::nullopt), std::nullopt, milliseconds(1), 2);
    EXPECT_TRUE(quiet.step(write, milliseconds(5)));
    EXPECT_TRUE(quiet.step(write, milliseconds(5)));
    EXPECT_NE(out.find(": keep-alive\n\n"), std::string::npos) << out;
    EXPECT_FALSE(quiet.step([](std::string_view) { return false; }, milliseconds(5)));
}

TEST(FleetEvents, ClosingEndsEveryStream) {
    EventFeed feed("i", small());
    EventStream s(feed.subscribe(std::nullopt), std::nullopt, milliseconds(3600000), 3);
    std::string out;
    const auto write = [&](std::string_view t) {
        out += t;
        return true;
    };
    EXPECT_TRUE(s.step(write, milliseconds(0)));
    feed.close();
    EXPECT_FALSE(s.step(write, milliseconds(0)));
    EXPECT_EQ(feed.subscribe(std::nullopt), nullptr);
}

}  // namespace
}  // namespace keel::verifierd
