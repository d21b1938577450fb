// SPDX-License-Identifier: Apache-2.0
//
// time.cc: timestamp parsing and formatting. The calendar arithmetic is Howard Hinnant's
// public-domain days_from_civil / civil_from_days algorithms.
#include "flywheel/core/time.h"

#include <chrono>
#include <cstdio>

namespace fw {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos]; returns false if they are not all digits.
bool ReadDigits(std::string_view text, size_t pos, size_t count, int64_t* out) {
  if (pos + count > text.size()) return false;
  int64_t value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

Status BadTimestamp(std::string_view text, std::string_view why) {
  std::string msg = "timestamp '";
  msg.append(text.substr(0, 64));
  msg += "' ";
  msg += why;
  msg += "; expected ISO-8601 (2024-01-31T12:00:00Z, 2024-01-31) or epoch s/ms/us";
  return InvalidArgument(std::move(msg));
}

Result<int64_t> ParseEpoch(std::string_view text) {
  size_t pos = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    pos = 1;
  }
  int64_t integer = 0;
  size_t num_digits = 0;
  while (pos < text.size() && IsDigit(text[pos])) {
    if (num_digits >= 18) return BadTimestamp(text, "is too large for an epoch value");
    integer = integer * 10 + (text[pos] - '0');
    ++pos;
    ++num_digits;
  }
  if (num_digits == 0) return BadTimestamp(text, "is not a number");
  int64_t fraction_us = 0;
  bool has_fraction = false;
  if (pos < text.size() && text[pos] == '.') {
    has_fraction = true;
    ++pos;
    int64_t scale = 100000;
    size_t fraction_digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      fraction_us += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++fraction_digits;
    }
    if (fraction_digits == 0) return BadTimestamp(text, "has an empty fraction");
  }
  if (pos != text.size()) return BadTimestamp(text, "has trailing characters");
  int64_t us;
  if (integer < 100'000'000'000LL) {
    us = integer * kMicrosPerSecond + fraction_us;
  } else if (has_fraction) {
    return BadTimestamp(text, "has a fraction but is too large for epoch seconds");
  } else if (integer < 100'000'000'000'000LL) {
    us = integer * 1000;
  } else if (integer < 100'000'000'000'000'000LL) {
    us = integer;
  } else {
    return BadTimestamp(text, "is too large for epoch microseconds (nanoseconds are not accepted)");
  }
  return negative ? -us : us;
}

Result<int64_t> ParseIso(std::string_view text) {
  int64_t year, month, day;
  if (!ReadDigits(text, 0, 4, &year) || text[4] != '-' || !ReadDigits(text, 5, 2, &month) ||
      text.size() < 10 || text[7] != '-' || !ReadDigits(text, 8, 2, &day)) {
    return BadTimestamp(text, "is not a valid date");
  }
  if (month < 1 || month > 12) return BadTimestamp(text, "has a month outside 1-12");
  if (day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month))) {
    return BadTimestamp(text, "has a day that does not exist in that month");
  }
  int64_t us =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMicrosPerDay;
  size_t pos = 10;
  if (pos == text.size()) return us;
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
    return BadTimestamp(text, "has an unexpected character after the date");
  }
  ++pos;
  int64_t hour, minute, second = 0;
  if (!ReadDigits(text, pos, 2, &hour) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !ReadDigits(text, pos + 3, 2, &minute)) {
    return BadTimestamp(text, "has a malformed time (expected HH:MM)");
  }
  pos += 5;
  if (pos < text.size() && text[pos] == ':') {
    if (!ReadDigits(text, pos + 1, 2, &second)) {
      return BadTimestamp(text, "has malformed seconds");
    }
    pos += 3;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return BadTimestamp(text, "has an hour, minute or second out of range");
  }
  us += hour * kMicrosPerHour + minute * kMicrosPerMinute + second * kMicrosPerSecond;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int64_t scale = 100000;
    size_t fraction_digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      us += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++fraction_digits;
    }
    if (fraction_digits == 0) return BadTimestamp(text, "has an empty fraction");
  }
  if (pos == text.size()) return us;
  if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return us;
  if (text[pos] == '+' || text[pos] == '-') {
    const int64_t sign = text[pos] == '+' ? 1 : -1;
    int64_t offset_hour, offset_minute = 0;
    if (!ReadDigits(text, pos + 1, 2, &offset_hour)) {
      return BadTimestamp(text, "has a malformed UTC offset");
    }
    size_t after = pos + 3;
    if (after < text.size()) {
      if (text[after] == ':') ++after;
      if (!ReadDigits(text, after, 2, &offset_minute) || after + 2 != text.size()) {
        return BadTimestamp(text, "has a malformed UTC offset");
      }
    }
    if (offset_hour > 18 || offset_minute > 59) {
      return BadTimestamp(text, "has a UTC offset out of range");
    }
    // Local time = UTC + offset, so UTC = local - offset.
    return us - sign * (offset_hour * kMicrosPerHour + offset_minute * kMicrosPerMinute);
  }
  return BadTimestamp(text, "has trailing characters");
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {year + (month <= 2), month, day};
}

int64_t DayOfMicros(int64_t us) {
  int64_t day = us / kMicrosPerDay;
  if (us % kMicrosPerDay < 0) --day;
  return day;
}

int64_t WeekStartDay(int64_t days) {
  // 1970-01-01 was a Thursday: (days + 3) mod 7 is 0 on Mondays.
  int64_t weekday = (days + 3) % 7;
  if (weekday < 0) weekday += 7;
  return days - weekday;
}

int64_t MonthStartDay(int64_t days) {
  const CivilDate date = CivilFromDays(days);
  return DaysFromCivil(date.year, date.month, 1);
}

Result<int64_t> ParseTimestamp(std::string_view text) {
  if (text.empty()) return InvalidArgument("timestamp is empty");
  // An ISO date starts with 4 digits and a dash; anything else is tried as an epoch number.
  if (text.size() >= 10 && IsDigit(text[0]) && text[4] == '-') return ParseIso(text);
  return ParseEpoch(text);
}

Result<int64_t> ParseDate(std::string_view text) {
  FW_ASSIGN_OR_RETURN(const int64_t us, ParseTimestamp(text));
  return DayOfMicros(us);
}

std::string FormatTimestamp(int64_t us) {
  const int64_t day = DayOfMicros(us);
  int64_t rest = us - day * kMicrosPerDay;
  const CivilDate date = CivilFromDays(day);
  const int64_t hour = rest / kMicrosPerHour;
  rest %= kMicrosPerHour;
  const int64_t minute = rest / kMicrosPerMinute;
  rest %= kMicrosPerMinute;
  const int64_t second = rest / kMicrosPerSecond;
  const int64_t micros = rest % kMicrosPerSecond;
  char buf[48];
  if (micros == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(date.year), date.month, date.day,
                  static_cast<long long>(hour), static_cast<long long>(minute),
                  static_cast<long long>(second));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                  static_cast<long long>(date.year), date.month, date.day,
                  static_cast<long long>(hour), static_cast<long long>(minute),
                  static_cast<long long>(second), static_cast<long long>(micros));
  }
  return buf;
}

std::string FormatDate(int64_t days) {
  const CivilDate date = CivilFromDays(days);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(date.year),
                date.month, date.day);
  return buf;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace fw
