# keel_evidence: TPM structure parsers, quote signatures and PCR digests,
# tpm2-tools' PCR files. Runs on the vectors checked in under
# tests/data/evidence (swtpm-made and real-world); needs no TPM.
add_executable(keel-unit-evidence
  ${KEEL_ATTESTATION_TEST_DIR}/evidence/vectors.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/evidence/tpm_types_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/evidence/quote_check_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/evidence/tpm2_tools_files_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/evidence/real_world_test.cpp)
target_link_libraries(keel-unit-evidence PRIVATE keel_evidence keel_eventlog OpenSSL::Crypto
  nlohmann_json::nlohmann_json GTest::gtest_main)
target_include_directories(keel-unit-evidence PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(keel-unit-evidence PRIVATE -Wall -Wextra)
target_compile_definitions(keel-unit-evidence PRIVATE
  KEEL_EVIDENCE_DATA="${PROJECT_SOURCE_DIR}/tests/data/evidence")
# libtss2-mu logs every malformed input it meets to stderr; the tests feed it
# thousands on purpose.
gtest_discover_tests(keel-unit-evidence TEST_PREFIX "attest.evidence."
  PROPERTIES LABELS unit ENVIRONMENT "TSS2_LOG=all+NONE")
