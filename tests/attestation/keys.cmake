# keel_keys: public keys, MakeCredential and EK certificates.
# attest.keys.*: unit tests on the vectors in tests/data/keys (no TPM).
# attest.keys.swtpm.*: end to end against a swtpm each test starts itself.
set(keel_keys_test_dir ${KEEL_ATTESTATION_TEST_DIR}/keys)
add_executable(keel-keys-tests ${keel_keys_test_dir}/public_key_test.cpp ${keel_keys_test_dir}/kdf_test.cpp
  ${keel_keys_test_dir}/make_credential_test.cpp ${keel_keys_test_dir}/ek_certificate_test.cpp
  ${keel_keys_test_dir}/test_ca.cpp)
target_link_libraries(keel-keys-tests PRIVATE keel_keys GTest::gtest_main GTest::gmock)
target_compile_options(keel-keys-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-keys-tests PRIVATE KEEL_KEYS_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data/keys")
gtest_discover_tests(keel-keys-tests TEST_PREFIX "attest.keys." PROPERTIES LABELS unit)

set(KEEL_SWTPM_LOCALCA_DIR /var/lib/swtpm-localca CACHE PATH "swtpm_localca's CA (its statedir)")
add_executable(keel-keys-swtpm-tests ${keel_keys_test_dir}/swtpm_test.cpp)
target_link_libraries(keel-keys-swtpm-tests PRIVATE keel_keys GTest::gtest_main)
target_compile_options(keel-keys-swtpm-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-keys-swtpm-tests PRIVATE KEEL_SWTPM_LOCALCA_DIR="${KEEL_SWTPM_LOCALCA_DIR}")
gtest_discover_tests(keel-keys-swtpm-tests TEST_PREFIX "attest.keys.swtpm." PROPERTIES LABELS swtpm TIMEOUT 180)
