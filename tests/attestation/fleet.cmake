# keel-verifierd. Unit (seconds, in process, no TPM): the fleet store and its
# migrations, configuration, nonces, metrics, and the daemon's start-up
# checks. swtpm: a loopback fleet of real keel-agents on swtpm, pull and
# push, attested by a real keel-verifierd over mutual TLS.
add_executable(keel-unit-fleet
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_contract_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_fixtures.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/service_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/startup_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/appraiser_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/ear_signer_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/webhook_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/event_feed_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/status_page_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-unit-fleet PRIVATE keel_verifierd keel_kernel_host PkgConfig::TSS2_MU SQLite::SQLite3
  GTest::gtest_main)
target_include_directories(keel-unit-fleet PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(keel-unit-fleet PRIVATE KEEL_VERIFIERD_PATH="$<TARGET_FILE:keel-verifierd>"
  KEEL_EXAMPLE_CONFIG="${PROJECT_SOURCE_DIR}/tools/verifierd/keel-verifierd.toml")
add_dependencies(keel-unit-fleet keel-verifierd)
target_compile_options(keel-unit-fleet PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-unit-fleet TEST_PREFIX "fleet." PROPERTIES LABELS unit)

add_executable(keel-fleet-tests
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/fleet_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/test_pki.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/verifierd_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/flow/simulated_host.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/agent_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-fleet-tests PRIVATE keel_swtpm_fixture keel_evidence keel_eventlog keel_kernel_host
  PkgConfig::CPP_HTTPLIB PkgConfig::TSS2_MU nlohmann_json::nlohmann_json OpenSSL::SSL OpenSSL::Crypto GTest::gtest_main)
target_include_directories(keel-fleet-tests PRIVATE ${PROJECT_SOURCE_DIR} ${KEEL_ATTESTATION_TEST_DIR}/fleet)
target_compile_options(keel-fleet-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-fleet-tests PRIVATE KEEL_CLI_PATH="$<TARGET_FILE:keel>"
  KEEL_AGENT_PATH="$<TARGET_FILE:keel-agent>" KEEL_VERIFIERD_PATH="$<TARGET_FILE:keel-verifierd>")
add_dependencies(keel-fleet-tests keel keel-agent keel-verifierd)
gtest_discover_tests(keel-fleet-tests TEST_PREFIX "fleet." PROPERTIES LABELS swtpm TIMEOUT 300)

# The fleet store on PostgreSQL: each test starts a PostgreSQL 15 server of
# its own in a temporary directory (pg_server.hpp; a second or two), so
# these are not unit tests. The store's contract runs against SQLite (in
# keel-unit-fleet) and PostgreSQL alike; the PostgreSQL-only tests cover its schema versions and
# several keel-verifierd instances sharing one database with software
# agents (no TPM).
find_package(PostgreSQL REQUIRED)
add_executable(keel-pg-fleet-tests
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_contract_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_fixtures.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/pg_store_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/pg_fleet_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/pg_server.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/software_agents.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/verifierd_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp)
target_link_libraries(keel-pg-fleet-tests PRIVATE keel_verifierd keel_platform keel_kernel_host PkgConfig::TSS2_MU
  PostgreSQL::PostgreSQL GTest::gtest_main)
target_include_directories(keel-pg-fleet-tests PRIVATE ${PROJECT_SOURCE_DIR} ${KEEL_ATTESTATION_TEST_DIR}/fleet
  ${PROJECT_SOURCE_DIR}/tools/platform)
target_compile_options(keel-pg-fleet-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-pg-fleet-tests PRIVATE KEEL_VERIFIERD_PATH="$<TARGET_FILE:keel-verifierd>"
  KEEL_STORE_CONTRACT_POSTGRESQL)
add_dependencies(keel-pg-fleet-tests keel-verifierd)
gtest_discover_tests(keel-pg-fleet-tests TEST_PREFIX "verifierd.pg." PROPERTIES LABELS postgres TIMEOUT 180)

# Signed attestation results and verdict notifications through a real
# keel-verifierd over mutual TLS,
# with push evidence made in software (no TPM, no PostgreSQL): seconds, so
# labelled unit like the daemon's start-up tests.
add_executable(keel-ear-fleet-tests
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/ear_fleet_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/test_pki.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/verifierd_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-ear-fleet-tests PRIVATE keel_verifierd keel_ear keel_platform keel_kernel_host
  PkgConfig::TSS2_MU PkgConfig::CPP_HTTPLIB GTest::gtest_main)
target_include_directories(keel-ear-fleet-tests PRIVATE ${PROJECT_SOURCE_DIR} ${KEEL_ATTESTATION_TEST_DIR}/fleet
  ${PROJECT_SOURCE_DIR}/tools/platform)
target_compile_options(keel-ear-fleet-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-ear-fleet-tests PRIVATE KEEL_VERIFIERD_PATH="$<TARGET_FILE:keel-verifierd>")
add_dependencies(keel-ear-fleet-tests keel-verifierd)
gtest_discover_tests(keel-ear-fleet-tests TEST_PREFIX "fleet." PROPERTIES LABELS unit TIMEOUT 60)

# The status page in a browser: a real keel-verifierd over mutual TLS with
# push evidence made in software (as above) and its [status] listener,
# loaded by headless Chromium (Debian package chromium; KEEL_CHROMIUM names
# another). Seconds; labelled browser, for what it needs.
add_executable(keel-status-browser-tests
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/status_browser_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/test_pki.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/verifierd_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-status-browser-tests PRIVATE keel_verifierd keel_platform keel_kernel_host
  PkgConfig::TSS2_MU PkgConfig::CPP_HTTPLIB GTest::gtest_main)
target_include_directories(keel-status-browser-tests PRIVATE ${PROJECT_SOURCE_DIR} ${KEEL_ATTESTATION_TEST_DIR}/fleet
  ${PROJECT_SOURCE_DIR}/tools/platform)
target_compile_options(keel-status-browser-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-status-browser-tests PRIVATE KEEL_VERIFIERD_PATH="$<TARGET_FILE:keel-verifierd>")
add_dependencies(keel-status-browser-tests keel-verifierd)
gtest_discover_tests(keel-status-browser-tests TEST_PREFIX "fleet." PROPERTIES LABELS browser TIMEOUT 120)
