# keel_verifier: the checks on software-made evidence, the policy and
# document parsers, and keel verify as a process on such evidence (unit:
# seconds, no TPM).
add_executable(keel-unit-verifier
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/verify_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/appraisal_cache_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/documents_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/cli_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/cli_usage_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/cli_checkquote_test.cpp)
target_link_libraries(keel-unit-verifier PRIVATE keel_verifier keel_json keel_kernel_host PkgConfig::TSS2_MU
  nlohmann_json::nlohmann_json GTest::gtest_main)
target_include_directories(keel-unit-verifier PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(keel-unit-verifier PRIVATE KEEL_KEYS_DATA="${PROJECT_SOURCE_DIR}/tests/data/keys"
  KEEL_CLI="$<TARGET_FILE:keel>")
add_dependencies(keel-unit-verifier keel)
target_compile_options(keel-unit-verifier PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-unit-verifier TEST_PREFIX "verify." PROPERTIES LABELS unit)
