//! Go's `time.Time` and `time.Duration` as template objects: printing,
//! `Format` layouts ("2006-01-02 15:04:05"), and the methods
//! Alertmanager templates call on `.StartsAt` and `.EndsAt`. Only UTC and
//! fixed offsets exist here: there is no time zone database.

use std::any::Any;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use super::value::{Object, Value};
use crate::calendar::{civil_from_days, is_leap_year};

const NANOS: i64 = 1_000_000_000;
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// An instant with the offset and zone name it is shown in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoTime {
    pub unix_nanos: i128,
    pub offset_seconds: i32,
    pub zone: String,
}

/// A span of time in nanoseconds, printed like "1h2m3.5s".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoDuration(pub i64);

/// Civil fields of a time in its zone.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    weekday: usize,
    yday: u32,
}

impl GoTime {
    pub fn utc_from_nanos(unix_nanos: i128) -> GoTime {
        GoTime { unix_nanos, offset_seconds: 0, zone: "UTC".into() }
    }

    pub fn now() -> GoTime {
        let nanos = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        GoTime::utc_from_nanos(nanos)
    }

    /// Prometheus' float seconds to time: nanoseconds must fit an int64,
    /// and precision is cut to milliseconds as in model.Time.
    pub fn from_seconds(seconds: f64) -> Result<GoTime, String> {
        let nanos = seconds * 1e9;
        if !(nanos >= i64::MIN as f64 && nanos <= i64::MAX as f64) {
            let text = super::fmt::format_float(seconds, 'g', -1);
            return Err(format!("{text} cannot be represented as a nanoseconds timestamp since it overflows int64"));
        }
        let millis = (nanos as i64) / 1_000_000;
        Ok(GoTime::utc_from_nanos(i128::from(millis) * 1_000_000))
    }

    pub fn utc(&self) -> GoTime {
        GoTime::utc_from_nanos(self.unix_nanos)
    }

    /// Go's `t.In(loc)` for the zones known without a database.
    pub fn in_zone(&self, name: &str) -> Result<GoTime, String> {
        match name {
            "" | "UTC" | "Local" => Ok(self.utc()),
            _ => Err(format!("unknown time zone {name}")),
        }
    }

    fn civil(&self) -> Civil {
        let local = self.unix_nanos + i128::from(self.offset_seconds) * i128::from(NANOS);
        let secs = local.div_euclid(i128::from(NANOS)) as i64;
        let nanos = local.rem_euclid(i128::from(NANOS)) as u32;
        let days = secs.div_euclid(86_400);
        let in_day = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let yday = cumulative[month as usize - 1] + day + u32::from(month > 2 && is_leap_year(year));
        Civil {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day / 60 % 60,
            second: in_day % 60,
            nanos,
            weekday: (days + 4).rem_euclid(7) as usize,
            yday,
        }
    }

    /// Go's `t.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        super::gotime_format::format(self, &self.civil_fields(), layout)
    }

    pub(crate) fn civil_fields(&self) -> super::gotime_format::Fields {
        let c = self.civil();
        super::gotime_format::Fields {
            year: c.year,
            month: c.month,
            month_name: MONTHS[c.month as usize - 1],
            day: c.day,
            hour: c.hour,
            minute: c.minute,
            second: c.second,
            nanos: c.nanos,
            weekday_name: DAYS[c.weekday],
            yday: c.yday,
        }
    }

    fn unix_seconds(&self) -> i64 {
        self.unix_nanos.div_euclid(i128::from(NANOS)) as i64
    }
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format("2006-01-02 15:04:05.999999999 -0700 MST"))
    }
}

pub(crate) fn downcast(value: &Value) -> Option<&GoTime> {
    match value {
        Value::Object(object) => object.as_any()?.downcast_ref::<GoTime>(),
        _ => None,
    }
}

/// The time a value holds: a `GoTime` object.
pub fn time_of(value: &Value) -> Result<GoTime, String> {
    if let Some(time) = downcast(value) {
        return Ok(time.clone());
    }
    Err(format!("wrong type for value; expected time.Time; got {}", value.type_name()))
}

/// Alertmanager's `since`: the duration from `time` until now.
pub fn since(time: &Value) -> Result<Value, String> {
    let start = time_of(time)?;
    let elapsed = GoTime::now().unix_nanos - start.unix_nanos;
    let nanos = elapsed.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    Ok(Value::object(GoDuration(nanos)))
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn display(&self) -> Option<String> {
        Some(self.to_string())
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let c = self.civil();
        let int = |i: i64| Some(Ok(Value::Int(i)));
        match (name, args) {
            ("Format", [layout]) => {
                Some(super::funcs_prometheus::expect_str(layout).map(|l| Value::from(self.format(l))))
            }
            ("String", []) => Some(Ok(Value::from(self.to_string()))),
            ("UTC" | "Local", []) => Some(Ok(Value::object(self.utc()))),
            ("Unix", []) => int(self.unix_seconds()),
            ("UnixMilli", []) => int((self.unix_nanos / 1_000_000) as i64),
            ("UnixNano", []) => int(self.unix_nanos as i64),
            ("Year", []) => int(c.year),
            ("Month", []) => Some(Ok(Value::from(MONTHS[c.month as usize - 1]))),
            ("Day", []) => int(i64::from(c.day)),
            ("Hour", []) => int(i64::from(c.hour)),
            ("Minute", []) => int(i64::from(c.minute)),
            ("Second", []) => int(i64::from(c.second)),
            ("Nanosecond", []) => int(i64::from(c.nanos)),
            ("YearDay", []) => int(i64::from(c.yday)),
            ("Weekday", []) => Some(Ok(Value::from(DAYS[c.weekday]))),
            ("IsZero", []) => Some(Ok(Value::Bool(self.unix_nanos == -62_135_596_800 * i128::from(NANOS)))),
            ("Add", [Value::Int(d)]) => {
                let mut t = self.clone();
                t.unix_nanos += i128::from(*d);
                Some(Ok(Value::object(t)))
            }
            // Go converts an integral constant such as 3600e9 to a Duration.
            ("Add", [Value::Float(f)]) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                self.call("Add", &[Value::Int(*f as i64)])
            }
            ("Add", [Value::Object(d)]) => Some(match d.inner() {
                Some(Value::Int(n)) => self.call("Add", &[Value::Int(n)])?,
                _ => Err("wrong type for value; expected time.Duration".into()),
            }),
            ("Sub" | "Before" | "After" | "Equal", [other]) => Some(self.compare(name, other)),
            _ => None,
        }
    }
}

impl GoTime {
    fn compare(&self, name: &str, other: &Value) -> Result<Value, String> {
        let other = time_of(other)?;
        Ok(match name {
            "Sub" => {
                let d = (self.unix_nanos - other.unix_nanos).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
                Value::object(GoDuration(d as i64))
            }
            "Before" => Value::Bool(self.unix_nanos < other.unix_nanos),
            "After" => Value::Bool(self.unix_nanos > other.unix_nanos),
            _ => Value::Bool(self.unix_nanos == other.unix_nanos),
        })
    }
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String`: "1h2m3.5s", "1.5ms", "0s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let negative = self.0 < 0;
        let u = self.0.unsigned_abs();
        let sign = if negative { "-" } else { "" };
        if u == 0 {
            return f.write_str("0s");
        }
        if u < NANOS as u64 {
            let (prec, unit) = match u {
                0..1_000 => (0, "ns"),
                1_000..1_000_000 => (3, "µs"),
                _ => (6, "ms"),
            };
            return write!(f, "{sign}{}{unit}", fraction(u, prec));
        }
        let seconds = fraction(u % (60 * NANOS as u64), 9);
        let minutes = u / (60 * NANOS as u64);
        match (minutes / 60, minutes % 60) {
            (0, 0) => write!(f, "{sign}{seconds}s"),
            (0, m) => write!(f, "{sign}{m}m{seconds}s"),
            (h, m) => write!(f, "{sign}{h}h{m}m{seconds}s"),
        }
    }
}

/// `v / 10^prec` with the fraction's trailing zeros (and a bare point)
/// dropped.
fn fraction(v: u64, prec: u32) -> String {
    let scale = 10u64.pow(prec);
    let frac = format!("{:0width$}", v % scale, width = prec as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { (v / scale).to_string() } else { format!("{}.{frac}", v / scale) }
}

impl Object for GoDuration {
    fn type_name(&self) -> String {
        "time.Duration".into()
    }

    fn inner(&self) -> Option<Value> {
        Some(Value::Int(self.0))
    }

    fn display(&self) -> Option<String> {
        Some(self.to_string())
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !args.is_empty() {
            return None;
        }
        let n = self.0 as f64;
        Some(Ok(match name {
            "Hours" => Value::Float(n / 3.6e12),
            "Minutes" => Value::Float(n / 6e10),
            "Seconds" => Value::Float(n / 1e9),
            "Milliseconds" => Value::Int(self.0 / 1_000_000),
            "Microseconds" => Value::Int(self.0 / 1_000),
            "Nanoseconds" => Value::Int(self.0),
            "String" => Value::from(self.to_string()),
            _ => return None,
        }))
    }
}

#[cfg(test)]
#[path = "gotime_tests.rs"]
mod tests;
