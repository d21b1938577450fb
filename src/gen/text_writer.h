// SPDX-License-Identifier: Apache-2.0
//
// text_writer.h: allocation-free number and time formatting for the generator's hot loop
// (snprintf per field would cap it well under a million events per second).
#pragma once

#include <cstdint>
#include <string>

#include "flywheel/core/time.h"

namespace fw::gen {

inline void AppendUint(std::string* s, uint64_t value) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) s->push_back(buf[--n]);
}

// `value` left-padded with zeros to `width` digits.
inline void AppendPadded(std::string* s, uint64_t value, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n < width) buf[n++] = '0';
  while (n > 0) s->push_back(buf[--n]);
}

// Cents as a decimal amount, e.g. 12345 -> "123.45".
inline void AppendCents(std::string* s, int64_t cents) {
  if (cents < 0) {
    s->push_back('-');
    cents = -cents;
  }
  AppendUint(s, static_cast<uint64_t>(cents / 100));
  s->push_back('.');
  AppendPadded(s, static_cast<uint64_t>(cents % 100), 2);
}

// "YYYY-MM-DDTHH:MM:SSZ" (the microseconds are dropped).
inline void AppendIsoSeconds(std::string* s, int64_t us) {
  const int64_t day = DayOfMicros(us);
  const int64_t secs = (us - day * kMicrosPerDay) / kMicrosPerSecond;
  const CivilDate date = CivilFromDays(day);
  AppendPadded(s, static_cast<uint64_t>(date.year), 4);
  s->push_back('-');
  AppendPadded(s, date.month, 2);
  s->push_back('-');
  AppendPadded(s, date.day, 2);
  s->push_back('T');
  AppendPadded(s, static_cast<uint64_t>(secs / 3600), 2);
  s->push_back(':');
  AppendPadded(s, static_cast<uint64_t>(secs / 60 % 60), 2);
  s->push_back(':');
  AppendPadded(s, static_cast<uint64_t>(secs % 60), 2);
  s->push_back('Z');
}

}  // namespace fw::gen
