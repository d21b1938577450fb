# SPDX-License-Identifier: Apache-2.0
# Third-party dependencies: Debian packages through find_package/pkg-config, and the pinned
# DuckDB that scripts/install-deps.sh unpacks into third_party/duckdb.
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(simdjson REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(Eigen3 REQUIRED NO_MODULE)
find_package(Boost REQUIRED)
find_package(NLopt REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

set(FW_DUCKDB_DIR ${CMAKE_SOURCE_DIR}/third_party/duckdb CACHE PATH "Folder with libduckdb.so and duckdb.h")
if(NOT EXISTS ${FW_DUCKDB_DIR}/libduckdb.so OR NOT EXISTS ${FW_DUCKDB_DIR}/duckdb.h)
  message(FATAL_ERROR "DuckDB not found in ${FW_DUCKDB_DIR}: run scripts/install-deps.sh first")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES IMPORTED_LOCATION ${FW_DUCKDB_DIR}/libduckdb.so
                                        IMPORTED_NO_SONAME ON)
# duckdb.h is reachable only through the private include path of fw_store (see src/store).
set(FW_DUCKDB_INCLUDE_DIR ${FW_DUCKDB_DIR})
# Executables find libduckdb.so through an rpath, so no LD_LIBRARY_PATH is needed.
set(CMAKE_BUILD_RPATH ${FW_DUCKDB_DIR})
set(CMAKE_INSTALL_RPATH ${FW_DUCKDB_DIR})
