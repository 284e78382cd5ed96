# keel_tpm against swtpm. keel_swtpm_fixture: a fresh software TPM per test,
# for any test that needs one (swtpm_fixture.hpp). The tests need swtpm,
# swtpm-tools, tpm2-tools and openssl on PATH, and are labelled swtpm.
add_library(keel_swtpm_fixture STATIC
  ${KEEL_ATTESTATION_TEST_DIR}/swtpm_fixture.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/swtpm_fixture_tpm.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/swtpm_control.cpp)
target_include_directories(keel_swtpm_fixture PUBLIC ${KEEL_ATTESTATION_TEST_DIR})
target_link_libraries(keel_swtpm_fixture PUBLIC keel_platform keel_tpm)
target_compile_options(keel_swtpm_fixture PRIVATE -Wall -Wextra)

set(tpm_tests ${KEEL_ATTESTATION_TEST_DIR}/tpm)
add_executable(keel-attest-tpm-tests
  ${tpm_tests}/test_support.cpp
  ${tpm_tests}/swtpm_fixture_test.cpp
  ${tpm_tests}/identity_test.cpp
  ${tpm_tests}/persistence_test.cpp
  ${tpm_tests}/credential_test.cpp
  ${tpm_tests}/quote_test.cpp
  ${tpm_tests}/handle_leak_test.cpp)
target_link_libraries(keel-attest-tpm-tests PRIVATE keel_swtpm_fixture keel_tpm OpenSSL::Crypto GTest::gtest_main)
target_compile_options(keel-attest-tpm-tests PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-attest-tpm-tests TEST_PREFIX "attest.tpm." PROPERTIES LABELS swtpm TIMEOUT 60)
