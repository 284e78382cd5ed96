# keel-agent as a process, without a TPM: what it checks before it opens one
# (unit: seconds).
add_executable(keel-unit-agent ${KEEL_ATTESTATION_TEST_DIR}/agent/agent_start_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/verifier/synthetic_launch.cpp)
target_link_libraries(keel-unit-agent PRIVATE keel_verifier keel_kernel_host PkgConfig::TSS2_MU GTest::gtest_main)
target_include_directories(keel-unit-agent PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(keel-unit-agent PRIVATE KEEL_AGENT="$<TARGET_FILE:keel-agent>")
add_dependencies(keel-unit-agent keel-agent)
target_compile_options(keel-unit-agent PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-unit-agent TEST_PREFIX "agent." PROPERTIES LABELS unit)
