# Signed reference documents (attestation/refdoc/, keel-verifierd's
# /v1/references). verify.refdoc.*: the document's checks in process and
# keel reference as a process (unit). verifierd.refdoc.*: the fleet store's
# documents on SQLite, appraisals against them with the appraisal cache, and
# the API through a real keel-verifierd over mutual TLS with software push
# evidence (unit: seconds, no TPM); verifierd.refdoc.pg.*: the same store
# tests on a PostgreSQL server of their own (postgres).
add_executable(keel-unit-refdoc
  ${KEEL_ATTESTATION_TEST_DIR}/refdoc/reference_document_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/refdoc/reference_cli_test.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-unit-refdoc PRIVATE keel_refdoc keel_ear GTest::gtest_main)
target_include_directories(keel-unit-refdoc PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(keel-unit-refdoc PRIVATE KEEL_CLI="$<TARGET_FILE:keel>")
add_dependencies(keel-unit-refdoc keel)
target_compile_options(keel-unit-refdoc PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-unit-refdoc TEST_PREFIX "verify.refdoc." PROPERTIES LABELS unit)

add_executable(keel-unit-refdoc-fleet
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/refdoc_store_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/refdoc_appraiser_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_fixtures.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp)
target_link_libraries(keel-unit-refdoc-fleet PRIVATE keel_verifierd keel_kernel_host PkgConfig::TSS2_MU
  SQLite::SQLite3 GTest::gtest_main)
target_include_directories(keel-unit-refdoc-fleet PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(keel-unit-refdoc-fleet PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-unit-refdoc-fleet TEST_PREFIX "verifierd.refdoc." PROPERTIES LABELS unit)

add_executable(keel-refdoc-api-tests
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/refdoc_api_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/test_pki.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/verifierd_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-refdoc-api-tests PRIVATE keel_verifierd keel_refdoc keel_ear keel_platform keel_kernel_host
  PkgConfig::TSS2_MU PkgConfig::CPP_HTTPLIB GTest::gtest_main)
target_include_directories(keel-refdoc-api-tests PRIVATE ${PROJECT_SOURCE_DIR} ${KEEL_ATTESTATION_TEST_DIR}/fleet
  ${PROJECT_SOURCE_DIR}/tools/platform)
target_compile_options(keel-refdoc-api-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-refdoc-api-tests PRIVATE KEEL_VERIFIERD_PATH="$<TARGET_FILE:keel-verifierd>")
add_dependencies(keel-refdoc-api-tests keel-verifierd)
gtest_discover_tests(keel-refdoc-api-tests TEST_PREFIX "verifierd.refdoc." PROPERTIES LABELS unit TIMEOUT 60)

find_package(PostgreSQL REQUIRED)
add_executable(keel-pg-refdoc-tests
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/refdoc_store_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/store_fixtures.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/fleet/pg_server.cpp)
target_link_libraries(keel-pg-refdoc-tests PRIVATE keel_verifierd PostgreSQL::PostgreSQL GTest::gtest_main)
target_include_directories(keel-pg-refdoc-tests PRIVATE ${PROJECT_SOURCE_DIR} ${KEEL_ATTESTATION_TEST_DIR}/fleet)
target_compile_options(keel-pg-refdoc-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-pg-refdoc-tests PRIVATE KEEL_STORE_CONTRACT_POSTGRESQL)
gtest_discover_tests(keel-pg-refdoc-tests TEST_PREFIX "verifierd.refdoc.pg." PROPERTIES LABELS postgres TIMEOUT 180)
