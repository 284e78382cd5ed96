# Attestation of a real measured boot under keel-platform (QEMU + swtpm):
# keel-agent over tpm.sock, keel enroll, keel verify.
add_executable(keel-platform-attestation-tests
  ${KEEL_ATTESTATION_TEST_DIR}/platform/platform_attestation_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/agent_process.cpp
  ${PROJECT_SOURCE_DIR}/tests/platform/tool_run.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-platform-attestation-tests PRIVATE keel_platform GTest::gtest_main
  nlohmann_json::nlohmann_json OpenSSL::Crypto)
target_include_directories(keel-platform-attestation-tests PRIVATE ${PROJECT_SOURCE_DIR}
  ${PROJECT_SOURCE_DIR}/tools/platform)
target_compile_options(keel-platform-attestation-tests PRIVATE -Wall -Wextra)
add_dependencies(keel-platform-attestation-tests keel keel-agent keel-platform iso-keel-drtm-attest
  iso-keel-test-hold)
foreach(test_case "MeasuredBootIsEnrolledAndTrusted:attest.qemu.measured_boot_trusted"
                  "BootWithoutDynamicLaunchIsNotTrusted:attest.qemu.no_drtm_not_trusted")
  string(REPLACE ":" ";" parts ${test_case})
  list(GET parts 0 filter)
  list(GET parts 1 name)
  add_test(NAME ${name} COMMAND keel-platform-attestation-tests --gtest_filter=PlatformAttestation.${filter})
  set_tests_properties(${name} PROPERTIES LABELS qemu TIMEOUT 900 ENVIRONMENT
    "KEEL_PLATFORM=$<TARGET_FILE:keel-platform>;KEEL_CLI=$<TARGET_FILE:keel>;KEEL_AGENT=$<TARGET_FILE:keel-agent>;KEEL_ISO_DIR=${CMAKE_BINARY_DIR};KEEL_TREE_DIR=${PROJECT_BINARY_DIR}/tests")
endforeach()
