//! Days in the range's time zone: a date's first and last instant (23 or 25 hours apart on DST
//! days), the hours in it, a bounded span of days, and the period before one matched by weekday.

use crate::error::ApiError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The longest period a report covers; longer is refused with 400.
pub const MAX_DAYS: i64 = 366;

/// One civil day in a time zone: `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: Date,
    pub from: Zoned,
    pub to: Zoned,
}

impl Day {
    pub fn of(date: Date, tz: &TimeZone) -> Result<Day, ApiError> {
        let bad = |e: jiff::Error| ApiError::bad_request(format!("{date} has no start in this time zone: {e}"));
        // Start of day through jiff, so a DST change at midnight still gives the real first instant.
        let from = date.to_zoned(tz.clone()).map_err(bad)?;
        let next = date.tomorrow().map_err(bad)?;
        let to = next.to_zoned(tz.clone()).map_err(bad)?;
        Ok(Day { date, from, to })
    }

    pub fn start(&self) -> Timestamp {
        self.from.timestamp()
    }

    pub fn end(&self) -> Timestamp {
        self.to.timestamp()
    }

    /// Whole hours from the first instant to the next day's: 23, 24 or 25.
    pub fn hours(&self) -> u32 {
        let secs = self.end().as_second() - self.start().as_second();
        u32::try_from(secs / 3600).unwrap_or(0)
    }

    /// Each hour's first instant, by the clock's instants (a repeated local hour appears twice).
    pub fn hour_starts(&self) -> Vec<Zoned> {
        let mut out = Vec::new();
        let mut t = self.from.clone();
        while t.timestamp() < self.end() {
            out.push(t.clone());
            match t.checked_add(jiff::SignedDuration::from_hours(1)) {
                Ok(next) => t = next,
                Err(_) => break,
            }
        }
        out
    }
}

/// A date as the API takes it, `YYYY-MM-DD`; a date that does not exist (2026-02-30) is 400.
pub fn parse_date(s: &str) -> Result<Date, ApiError> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    ok.then(|| s.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| ApiError::bad_request(format!("not a date that exists, such as 2026-11-24: {:?}", short(s))))
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The days from `from` to `to` inclusive, at most [`MAX_DAYS`].
pub fn span(from: Date, to: Date, tz: &TimeZone) -> Result<Vec<Day>, ApiError> {
    if to < from {
        return Err(ApiError::bad_request(format!("`to` ({to}) is before `from` ({from})")));
    }
    let days = i64::from((to - from).get_days()) + 1;
    if days > MAX_DAYS {
        return Err(ApiError::bad_request(format!("a report covers at most {MAX_DAYS} days; {days} asked")));
    }
    let mut out = Vec::with_capacity(days as usize);
    let mut d = from;
    while d <= to {
        out.push(Day::of(d, tz)?);
        d = d.tomorrow().map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    Ok(out)
}

/// The period before `[from, to]` of as many days, shifted by whole weeks so each day falls on
/// the same weekday as the one it is compared with (a day is compared with the same day a week
/// earlier, a 31-day month with the 31 days starting five weeks earlier).
pub fn previous(from: Date, to: Date) -> Result<(Date, Date), ApiError> {
    let days = i64::from((to - from).get_days()) + 1;
    let shift = jiff::Span::new().days((days + 6) / 7 * 7);
    let err = |e: jiff::Error| ApiError::bad_request(e.to_string());
    Ok((from.checked_sub(shift).map_err(err)?, to.checked_sub(shift).map_err(err)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ams() -> TimeZone {
        TimeZone::get("Europe/Amsterdam").unwrap()
    }

    #[test]
    fn dst_days_are_23_and_25_hours_with_their_offsets() {
        let spring = Day::of(jiff::civil::date(2026, 3, 29), &ams()).unwrap();
        assert_eq!(spring.hours(), 23, "clocks go forward at 02:00 CET");
        assert_eq!(spring.start().to_string(), "2026-03-28T23:00:00Z");
        assert_eq!(spring.end().to_string(), "2026-03-29T22:00:00Z");
        let hours: Vec<String> = spring.hour_starts().iter().map(|z| z.strftime("%H%:z").to_string()).collect();
        assert_eq!(hours.len(), 23);
        assert_eq!(hours[..4], ["00+01:00", "01+01:00", "03+02:00", "04+02:00"], "02:00 never happens");
        let autumn = Day::of(jiff::civil::date(2026, 10, 25), &ams()).unwrap();
        assert_eq!(autumn.hours(), 25);
        let hours: Vec<String> = autumn.hour_starts().iter().map(|z| z.strftime("%H%:z").to_string()).collect();
        assert_eq!(hours[1..5], ["01+02:00", "02+02:00", "02+01:00", "03+01:00"], "02:00 happens twice");
        let plain = Day::of(jiff::civil::date(2026, 6, 1), &ams()).unwrap();
        assert_eq!(plain.hours(), 24);
    }

    #[test]
    fn dates_that_do_not_exist_are_refused() {
        for bad in ["2026-02-29", "2026-02-30", "2026-13-01", "2026-1-01", "yesterday", "2026-03-29T00:00"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_date("2028-02-29").unwrap(), jiff::civil::date(2028, 2, 29), "a leap day exists");
    }

    #[test]
    fn spans_are_bounded_and_ordered() {
        let d = |m, day| jiff::civil::date(2026, m, day);
        assert_eq!(span(d(3, 1), d(3, 31), &ams()).unwrap().len(), 31);
        assert!(span(d(3, 2), d(3, 1), &ams()).is_err(), "to before from");
        assert_eq!(span(jiff::civil::date(2025, 1, 1), jiff::civil::date(2025, 12, 31), &ams()).unwrap().len(), 365);
        assert!(span(jiff::civil::date(2025, 1, 1), jiff::civil::date(2026, 1, 2), &ams()).is_err(), "367 days");
    }

    #[test]
    fn the_previous_period_starts_on_the_same_weekday() {
        let d = |m, day| jiff::civil::date(2026, m, day);
        assert_eq!(previous(d(3, 29), d(3, 29)).unwrap(), (d(3, 22), d(3, 22)), "a day: the same day last week");
        assert_eq!(previous(d(3, 23), d(3, 29)).unwrap(), (d(3, 16), d(3, 22)), "a week: the week before");
        let (f, t) = previous(d(3, 1), d(3, 31)).unwrap();
        assert_eq!((f.weekday(), (t - f).get_days()), (d(3, 1).weekday(), 30), "31 days, same weekday");
        assert_eq!(f, jiff::civil::date(2026, 1, 25));
    }
}
