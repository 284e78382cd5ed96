# End to end against swtpm: keel-agent, keel enroll, keel verify as real
# processes, one test per named failure. Labelled swtpm (no QEMU).
add_executable(keel-attest-flow-tests
  ${KEEL_ATTESTATION_TEST_DIR}/flow/simulated_host.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/agent_process.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/flow/flow_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-attest-flow-tests PRIVATE keel_swtpm_fixture keel_evidence keel_eventlog keel_kernel_host
  PkgConfig::CPP_HTTPLIB PkgConfig::TSS2_MU nlohmann_json::nlohmann_json OpenSSL::Crypto GTest::gtest_main)
target_include_directories(keel-attest-flow-tests PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(keel-attest-flow-tests PRIVATE -Wall -Wextra)
target_compile_definitions(keel-attest-flow-tests PRIVATE KEEL_CLI_PATH="$<TARGET_FILE:keel>"
  KEEL_AGENT_PATH="$<TARGET_FILE:keel-agent>")
add_dependencies(keel-attest-flow-tests keel keel-agent)
gtest_discover_tests(keel-attest-flow-tests TEST_PREFIX "attest.flow." PROPERTIES LABELS swtpm TIMEOUT 120)

add_executable(keel-attest-interop-tests ${KEEL_ATTESTATION_TEST_DIR}/flow/interop_test.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-attest-interop-tests PRIVATE keel_swtpm_fixture nlohmann_json::nlohmann_json GTest::gtest_main)
target_include_directories(keel-attest-interop-tests PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(keel-attest-interop-tests PRIVATE -Wall -Wextra)
add_dependencies(keel-attest-interop-tests keel)
gtest_discover_tests(keel-attest-interop-tests TEST_PREFIX "verify.interop." PROPERTIES LABELS swtpm TIMEOUT 120
  ENVIRONMENT "KEEL_CLI=$<TARGET_FILE:keel>")
