# SPDX-License-Identifier: Apache-2.0
# fw_add_module(NAME <m> DEPS <modules...> LIBS <targets...> SOURCES <files...>)
#   One folder under src/ = one static library fw_<m>. include/ is public, src/<m> private.
# fw_add_test(NAME <t> LABEL unit|integration|slow DEPS <targets...> SOURCES <files...>)

set(FW_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                -Wimplicit-fallthrough)
if(FW_WERROR)
  list(APPEND FW_WARNINGS -Werror)
endif()

function(fw_apply_flags target)
  target_compile_options(${target} PRIVATE ${FW_WARNINGS})
  if(FW_NATIVE_ARCH)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(FW_SANITIZE)
    string(REPLACE ";" "," san "${FW_SANITIZE}")
    target_compile_options(${target} PRIVATE -fsanitize=${san} -fno-omit-frame-pointer
                                              -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${san})
  endif()
endfunction()

function(fw_add_module)
  cmake_parse_arguments(M "" "NAME" "DEPS;LIBS;SOURCES" ${ARGN})
  add_library(fw_${M_NAME} STATIC ${M_SOURCES})
  target_include_directories(fw_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                          PRIVATE ${PROJECT_SOURCE_DIR}/src/${M_NAME})
  foreach(dep ${M_DEPS})
    target_link_libraries(fw_${M_NAME} PUBLIC fw_${dep})
  endforeach()
  target_link_libraries(fw_${M_NAME} PUBLIC ${M_LIBS})
  fw_apply_flags(fw_${M_NAME})
  if(FW_SANITIZE)
    string(REPLACE ";" "," san "${FW_SANITIZE}")
    target_link_options(fw_${M_NAME} INTERFACE -fsanitize=${san})
  endif()
endfunction()

function(fw_add_test)
  # WHOLE: one CTest test for the whole executable instead of one per case, for suites whose
  # SetUpTestSuite builds an expensive shared fixture (a generated workspace, a demo run) that
  # per-case processes would rebuild, and race on, in parallel.
  cmake_parse_arguments(T "WHOLE" "NAME;LABEL" "DEPS;SOURCES" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest_main GTest::gmock)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  # FW_SHARED_DATA_DIR: the real data sets; tests that need them skip when it is absent.
  target_compile_definitions(${T_NAME} PRIVATE
      FW_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      FW_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data")
  if(TARGET flywheel)
    # FW_BINARY: the CLI under test, for integration tests that run it.
    target_compile_definitions(${T_NAME} PRIVATE FW_BINARY="$<TARGET_FILE:flywheel>")
    # Unit tests never run the CLI, so building one (make test-tsan) need not build it.
    if(NOT T_LABEL STREQUAL "unit")
      add_dependencies(${T_NAME} flywheel)
    endif()
  endif()
  fw_apply_flags(${T_NAME})
  # `fw_unit_tests` builds every unit-labelled test and nothing else: the sanitizer builds
  # (make test-asan) need only these, not the CLI or the integration suites.
  if(T_LABEL STREQUAL "unit")
    if(NOT TARGET fw_unit_tests)
      add_custom_target(fw_unit_tests)
    endif()
    add_dependencies(fw_unit_tests ${T_NAME})
  endif()
  # Temporary files go under this build folder, not /tmp: two checkouts (or a sanitizer build
  # and a release build) testing at once must not share a test's scratch folder.
  set(tmp "${CMAKE_BINARY_DIR}/test-tmp")
  file(MAKE_DIRECTORY "${tmp}")
  if(T_WHOLE)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL}
                         ENVIRONMENT "TMPDIR=${tmp};TEST_TMPDIR=${tmp}")
  else()
    gtest_discover_tests(${T_NAME} PROPERTIES LABELS ${T_LABEL}
                         ENVIRONMENT "TMPDIR=${tmp};TEST_TMPDIR=${tmp}" DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
