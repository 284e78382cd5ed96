// Unix seconds and civil (proleptic Gregorian, UTC) dates, both ways and
// exact for any date (H. Hinnant's days-from-civil algorithms, in
// integers): the Linux VMM's RTC model shows its clock as a date, and the
// root task reads the host's RTC as one. Freestanding, header-only.
#pragma once
#include <stdint.h>

namespace keel::civil {

struct Time {
    int64_t year;
    unsigned month, day, hour, minute, second, weekday;  // weekday: 1 = Sunday
};

inline constexpr int64_t DAY_SECONDS = 86400;

constexpr bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
constexpr unsigned days_in(int64_t year, unsigned month) {
    constexpr uint8_t DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap(year) ? 29 : DAYS[month - 1];
}

constexpr Time from_unix(int64_t s) {
    int64_t days = s / DAY_SECONDS, rem = s % DAY_SECONDS;
    if (rem < 0) rem += DAY_SECONDS, --days;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    Time t{};
    t.day = unsigned(doy - (153 * mp + 2) / 5 + 1);
    t.month = unsigned(mp < 10 ? mp + 3 : mp - 9);
    t.year = yoe + era * 400 + (t.month <= 2);
    t.hour = unsigned(rem / 3600);
    t.minute = unsigned(rem / 60 % 60);
    t.second = unsigned(rem % 60);
    int64_t weekday = (days + 4) % 7;  // 1970-01-01 was a Thursday
    t.weekday = unsigned(weekday < 0 ? weekday + 7 : weekday) + 1;
    return t;
}

// False (and `s` untouched) for a date or time that does not exist; the
// weekday is not read.
constexpr bool to_unix(const Time& t, int64_t& s) {
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in(t.year, t.month) || t.hour > 23 || t.minute > 59 ||
        t.second > 59)
        return false;
    int64_t y = t.year - (t.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (t.month > 2 ? t.month - 3 : t.month + 9) + 2) / 5 + t.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    s = days * DAY_SECONDS + t.hour * 3600 + t.minute * 60 + t.second;
    return true;
}

static_assert(from_unix(0).year == 1970 && from_unix(0).weekday == 5);

}  // namespace keel::civil
