// keel-verifierd: the fleet verifier. Keeps the enrolled hosts in a store,
// attests each continuously (pull: asks its agent; push: its agent submits)
// and serves the REST API (attestation/verifierd/api_server.hpp).
//   keel-verifierd --config /etc/keel/keel-verifierd.toml [--listen A:P] [--database F] ...
// Flags override the file. Exit status: 0 stopped by SIGTERM/SIGINT, 2 bad
// configuration or usage (also: no TLS on a non-loopback address), 3 the
// store could not be opened.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <optional>

#include "attestation/verifierd/api_server.hpp"
#include "attestation/verifierd/instance_id.hpp"
#include "attestation/verifierd/notifier.hpp"
#include "attestation/verifierd/open_fleet_store.hpp"
#include "attestation/verifierd/status_server.hpp"

namespace {

using namespace keel::verifierd;

constexpr int exit_bad_config = 2;
constexpr int exit_store = 3;

ApiServer* running = nullptr;

void stop(int) {
    if (running) running->stop();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"keel-verifierd: continuous remote attestation of Keel hosts", "keel-verifierd"};
    app.set_version_flag("--version", std::string("keel-verifierd ") + KEEL_VERSION);
    std::string config_file, listen, database, cert, key, client_ca, status_listen;
    std::vector<std::string> operators;
    app.add_option("-c,--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
    app.add_option("--listen", listen, "ADDRESS:PORT (default 127.0.0.1:7735; port 0 picks a free one)");
    app.add_option("--database", database,
                   "the SQLite store (created if missing; a keel enroll store is migrated), or a postgresql:// URI "
                   "for a store several instances share");
    app.add_option("--tls-cert", cert, "server certificate chain (PEM)");
    app.add_option("--tls-key", key, "server private key (PEM)");
    app.add_option("--client-ca", client_ca, "CA (PEM) client certificates must chain to");
    app.add_option("--operator", operators, "client certificate CN allowed to enrol and read hosts; repeatable");
    app.add_option("--status-listen", status_listen,
                   "also serve the status page as plain HTTP on this loopback ADDRESS:PORT ([status] listen)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "keel-verifierd: " << e.what() << " (see keel-verifierd --help)\n";
        return exit_bad_config;
    }
    Config config;
    try {
        if (!config_file.empty()) config = load_config(config_file);
        if (!listen.empty()) config.listen = listen;
        if (!database.empty()) config.database = database;
        if (!cert.empty()) config.tls.certificate = cert;
        if (!key.empty()) config.tls.private_key = key;
        if (!client_ca.empty()) config.tls.client_ca = client_ca;
        if (!operators.empty()) config.operators = operators;
        if (!status_listen.empty()) config.status_listen = status_listen;
        check_config(config);
    } catch (const ConfigError& e) {
        std::cerr << "keel-verifierd: " << e.what() << "\n";
        return exit_bad_config;
    }
    std::signal(SIGPIPE, SIG_IGN);
    try {
        // The signing key before the store: a key that cannot be used is bad
        // configuration, and nothing is opened for it.
        std::optional<EarSigner> ear;
        if (!config.ear_signing_key.empty())
            ear.emplace(config.ear_signing_key, std::string("keel-verifierd ") + KEEL_VERSION);
        const TrustedPublishers publishers(config.trusted_publishers);
        auto opened = open_fleet_store(config.database, config.database_connections);
        auto& store = *opened;
        const auto instance = new_instance_id();
        // Before the appraiser and the scheduler that post to it, so it is
        // stopped after them.
        std::optional<Notifier> notifier;
        if (!config.notify.webhook.empty()) notifier.emplace(config.notify);
        // The one fan-out point: the webhook and the event streams get the
        // same numbered events.
        EventFeed feed(instance, config.events, notifier ? &*notifier : nullptr);
        Metrics metrics;
        metrics.observe(notifier ? &*notifier : nullptr, &feed);
        Appraiser appraiser(store, metrics, instance, config.appraisal_cache_entries);
        appraiser.notify_with(&feed);
        auto nonces = store.nonce_store(config.nonce_lifetime, 4);
        EnrolmentDesk desk(store, config);
        Scheduler scheduler(store, appraiser, metrics, config, instance);
        scheduler.notify_with(&feed);
        ApiServer server(
            config, {store, appraiser, metrics, *nonces, desk, scheduler, feed, ear ? &*ear : nullptr, &publishers});
        std::optional<StatusServer> status;
        if (!config.status_listen.empty()) status.emplace(config.status_listen, store);
        scheduler.start();
        std::cout << "keel-verifierd: instance " << instance << std::endl;
        running = &server;
        std::signal(SIGTERM, stop);
        std::signal(SIGINT, stop);
        if (status) status->start();
        server.run();
        running = nullptr;
        if (status) status->stop();
        feed.close();
        scheduler.stop();
        std::cout << "keel-verifierd: stopped" << std::endl;
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << "keel-verifierd: " << e.what() << "\n";
        return exit_bad_config;
    } catch (const StoreError& e) {
        std::cerr << "keel-verifierd: " << e.what() << "\n";
        return exit_store;
    }
}
