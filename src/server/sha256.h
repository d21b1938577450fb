// SPDX-License-Identifier: Apache-2.0
//
// sha256.h: SHA-256 (FIPS 180-4), for storing API keys and sessions hashed. A small local
// implementation avoids a crypto library dependency for one hash of short strings.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace fw::server {

// The 32-byte digest of `data`.
std::array<uint8_t, 32> Sha256(std::string_view data);

// The digest as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

// True if a == b, in time that depends only on the lengths (not on where they differ), so a
// client cannot find a stored hash byte by byte from response times.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// `num_bytes` bytes from the kernel's CSPRNG (getrandom), as lower-case hex. Returns an empty
// string if the kernel refuses (the caller treats that as kInternal).
std::string RandomHex(size_t num_bytes);

}  // namespace fw::server
