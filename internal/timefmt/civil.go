package timefmt

import (
	"strconv"
	"time"
)

// daysFromCivil returns the number of days from 1970-01-01 to the proleptic Gregorian date
// y-m-d. It works on 400-year eras, each of which has exactly 146097 days, with years that
// start on March 1 so that the leap day is the last day of a year.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yearOfEra := y - era*400 // [0, 399]
	mp := m - 3              // March = 0 ... February = 11
	if m <= 2 {
		mp = m + 9
	}
	dayOfYear := (153*mp+2)/5 + d - 1                                   // [0, 365]
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear // [0, 146096]
	return int64(era)*146097 + int64(dayOfEra) - 719468
}

// isLeap reports whether y is a leap year of the proleptic Gregorian calendar.
func isLeap(y int) bool {
	return y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

// daysIn returns the number of days of month m (1-12) of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civil is a broken-down time read from text, before it is turned into a time.Time.
type civil struct {
	year, month, day int
	hour, min, sec   int
	nsec             int
	offset           int // seconds east of UTC
}

// check validates the fields of c and returns a message naming the first field out of range,
// or "" if all are in range.
func (c *civil) check() string {
	switch {
	case c.year < 0 || c.year > 9999:
		return "year " + strconv.Itoa(c.year) + " out of range 0000-9999"
	case c.month < 1 || c.month > 12:
		return "month " + strconv.Itoa(c.month) + " out of range"
	case c.day < 1 || c.day > daysIn(c.year, c.month):
		if c.day >= 1 && c.day <= 31 {
			return "day " + strconv.Itoa(c.day) + " out of range for " + time.Month(c.month).String() + " " + strconv.Itoa(c.year)
		}
		return "day " + strconv.Itoa(c.day) + " out of range"
	case c.hour < 0 || c.hour > 23:
		return "hour " + strconv.Itoa(c.hour) + " out of range"
	case c.min < 0 || c.min > 59:
		return "minute " + strconv.Itoa(c.min) + " out of range"
	case c.sec < 0 || c.sec > 60:
		return "second " + strconv.Itoa(c.sec) + " out of range"
	}
	return ""
}

// unix converts c to seconds and nanoseconds since the epoch, in UTC. A leap second (second 60)
// is accepted only where one can occur, in the last minute of a UTC day (23:59:60Z, or
// 08:59:60+09:00), and is read as the last nanosecond of that minute, 23:59:59.999999999Z, so
// that it still sorts after every other instant of the minute. It returns a message if the
// fields are out of range.
func (c *civil) unix() (sec int64, nsec int, msg string) {
	if msg := c.check(); msg != "" {
		return 0, 0, msg
	}
	second := c.sec
	if second == 60 {
		second = 59
	}
	sec = daysFromCivil(c.year, c.month, c.day)*86400 +
		int64(c.hour*3600+c.min*60+second) - int64(c.offset)
	nsec = c.nsec
	if c.sec == 60 {
		if sec%86400 != 86399 && sec%86400 != -1 {
			return 0, 0, "second 60 is a leap second, which only occurs at 23:59:60 UTC"
		}
		nsec = 999999999
	}
	if sec < minUnixSec || sec > maxUnixSec {
		return 0, 0, "time out of range 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z after applying the offset"
	}
	return sec, nsec, ""
}
