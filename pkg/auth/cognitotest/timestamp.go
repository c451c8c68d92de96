package cognitotest

import (
	"errors"
	"strings"
	"time"
)

// timestampLayout renders a TIMESTAMP the way Cognito's official clients do,
// the Java pattern "EEE MMM d HH:mm:ss z yyyy" in English and UTC: no leading
// zero on the day, a 24-hour clock, and the literal zone "UTC".
const timestampLayout = "Mon Jan 2 15:04:05 UTC 2006"

// timestampFormatMessage is Cognito's message for a TIMESTAMP it cannot parse.
const timestampFormatMessage = "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."

var errTimestampFormat = errors.New("cognitotest: invalid TIMESTAMP")

var weekdayNames = map[string]bool{
	"sun": true, "mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true,
	"sunday": true, "monday": true, "tuesday": true, "wednesday": true,
	"thursday": true, "friday": true, "saturday": true,
}

var monthNames = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
	"january": time.January, "february": time.February, "march": time.March,
	"april": time.April, "june": time.June, "july": time.July, "august": time.August,
	"september": time.September, "october": time.October, "november": time.November,
	"december": time.December,
}

// parseTimestamp parses a TIMESTAMP strictly and returns the instant it
// names. English weekday and month names are accepted in any case. The day
// may have one or two digits, so a zero-padded day parses. Hours are 00-23,
// minutes and seconds have two digits, the zone must be UTC and the year
// has four digits. The weekday is checked for spelling only: the server signs
// the canonical rendering of the instant, so a wrong weekday or a padded day
// parses here and then fails the signature check.
func parseTimestamp(s string) (time.Time, error) {
	fields := strings.Split(s, " ")
	if len(fields) != 6 {
		return time.Time{}, errTimestampFormat
	}
	weekday, monthName, dayText, clock, zone, yearText := fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]

	if !weekdayNames[strings.ToLower(weekday)] {
		return time.Time{}, errTimestampFormat
	}
	month, ok := monthNames[strings.ToLower(monthName)]
	if !ok {
		return time.Time{}, errTimestampFormat
	}
	if zone != "UTC" {
		return time.Time{}, errTimestampFormat
	}
	day, ok := parseDigits(dayText, 1, 2)
	if !ok {
		return time.Time{}, errTimestampFormat
	}
	year, ok := parseDigits(yearText, 4, 4)
	if !ok {
		return time.Time{}, errTimestampFormat
	}
	hour, minute, second, ok := parseClock(clock)
	if !ok || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, errTimestampFormat
	}
	t := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	if day < 1 || t.Day() != day {
		// time.Date normalises Feb 30 to Mar 1; Cognito rejects such a date.
		return time.Time{}, errTimestampFormat
	}
	return t, nil
}

// parseClock parses "HH:mm:ss" with exactly two digits per field.
func parseClock(s string) (hour, minute, second int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var values [3]int
	for i, p := range parts {
		v, ok := parseDigits(p, 2, 2)
		if !ok {
			return 0, 0, 0, false
		}
		values[i] = v
	}
	return values[0], values[1], values[2], true
}

// parseDigits parses an unsigned decimal number of minLen to maxLen ASCII
// digits. It rejects signs and spaces, unlike strconv.Atoi.
func parseDigits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// canonicalTimestamp renders t as Cognito's clients do.
func canonicalTimestamp(t time.Time) string {
	return t.UTC().Format(timestampLayout)
}
