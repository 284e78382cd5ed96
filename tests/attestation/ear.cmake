# EAR tokens (attestation/ear): signing, the relying party's checks, the
# JWK, and keel ear verify as a process (unit: in process or one short
# process each, no TPM, no daemon).
add_executable(keel-unit-ear
  ${KEEL_ATTESTATION_TEST_DIR}/ear/ear_token_test.cpp
  ${KEEL_ATTESTATION_TEST_DIR}/ear/ear_cli_test.cpp
  ${PROJECT_SOURCE_DIR}/tests/launch/launch_run.cpp)
target_link_libraries(keel-unit-ear PRIVATE keel_ear GTest::gtest_main)
target_include_directories(keel-unit-ear PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(keel-unit-ear PRIVATE KEEL_CLI="$<TARGET_FILE:keel>")
add_dependencies(keel-unit-ear keel)
target_compile_options(keel-unit-ear PRIVATE -Wall -Wextra)
gtest_discover_tests(keel-unit-ear TEST_PREFIX "verify." PROPERTIES LABELS unit)
