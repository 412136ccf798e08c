//! Host/port, duration and URL helpers behind `stripPort`, `stripDomain`,
//! `parseDuration` and `urlUnescape`, following Go's net.SplitHostPort,
//! prometheus/common model.ParseDuration and net/url.QueryUnescape.

use std::net::IpAddr;

/// Go's `net.SplitHostPort`.
fn split_host_port(hostport: &str) -> Option<(&str, &str)> {
    let i = hostport.rfind(':')?;
    let (host, j, k) = if hostport.starts_with('[') {
        let end = hostport.find(']')?;
        // The ']' must sit right before the last ':'.
        if end + 1 != i {
            return None;
        }
        (&hostport[1..end], 1, end + 1)
    } else {
        let host = &hostport[..i];
        if host.contains(':') {
            return None;
        }
        (host, 0, 0)
    };
    if hostport[j..].contains('[') || hostport[k..].contains(']') {
        return None;
    }
    Some((host, &hostport[i + 1..]))
}

/// The host of "host:port", or the input when it has no port.
pub fn strip_port(hostport: &str) -> String {
    split_host_port(hostport).map_or(hostport, |(host, _)| host).to_string()
}

/// The first label of a host name, keeping any port; IP addresses stay
/// whole.
pub fn strip_domain(hostport: &str) -> String {
    let (host, port) = split_host_port(hostport).unwrap_or((hostport, ""));
    if host.parse::<IpAddr>().is_ok() {
        return hostport.to_string();
    }
    let short = host.split('.').next().unwrap_or(host);
    match (port.is_empty(), short.contains(':')) {
        (true, _) => short.to_string(),
        (false, true) => format!("[{short}]:{port}"),
        (false, false) => format!("{short}:{port}"),
    }
}

/// Prometheus duration syntax ("1d12h", "90s", "500ms") in seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    const MS: u64 = 1_000_000;
    // (unit, order position, nanoseconds): units must go from big to small.
    const UNITS: [(&str, u32, u64); 7] = [
        ("y", 1, 365 * 86_400_000 * MS),
        ("w", 2, 7 * 86_400_000 * MS),
        ("d", 3, 86_400_000 * MS),
        ("h", 4, 3_600_000 * MS),
        ("m", 5, 60_000 * MS),
        ("s", 6, 1000 * MS),
        ("ms", 7, MS),
    ];
    match text {
        "0" => return Ok(0.0),
        "" => return Err("empty duration string".into()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {}", super::super::fmt::quote(text));
    let mut rest = text;
    let mut total: u64 = 0;
    let mut last_pos = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(invalid());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(invalid());
        }
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some(&(_, pos, mult)) = UNITS.iter().find(|(name, _, _)| *name == unit) else {
            return Err(format!(
                "unknown unit {} in duration {}",
                super::super::fmt::quote(unit),
                super::super::fmt::quote(text)
            ));
        };
        if pos <= last_pos {
            return Err(invalid());
        }
        last_pos = pos;
        total = value
            .checked_mul(mult)
            .and_then(|v| total.checked_add(v))
            .filter(|&v| v <= i64::MAX as u64)
            .ok_or_else(|| "duration out of range".to_string())?;
    }
    Ok(total as f64 / 1e9)
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte.
pub fn query_unescape(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                let Some(hex) = hex else {
                    let bad: String = s[i..].chars().take(3).collect();
                    return Err(format!("invalid URL escape {}", super::super::fmt::quote(&bad)));
                };
                out.push(u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ports_and_domains_like_prometheus() {
        let cases = [
            ("localhost:9090", "localhost", "localhost:9090"),
            ("example.com:9090", "example.com", "example:9090"),
            ("foo.example.com", "foo.example.com", "foo"),
            ("192.168.0.1:9100", "192.168.0.1", "192.168.0.1:9100"),
            ("[2001:db8::1]:9100", "2001:db8::1", "[2001:db8::1]:9100"),
            ("2001:db8::1", "2001:db8::1", "2001:db8::1"),
            ("host:", "host", "host"),
        ];
        for (input, port_stripped, domain_stripped) in cases {
            assert_eq!(strip_port(input), port_stripped, "stripPort {input}");
            assert_eq!(strip_domain(input), domain_stripped, "stripDomain {input}");
        }
    }

    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("1d"), Ok(86400.0));
        assert_eq!(parse_duration("1y2w"), Ok(365.0 * 86400.0 + 14.0 * 86400.0));
        assert_eq!(parse_duration("250ms"), Ok(0.25));
        assert_eq!(parse_duration("0"), Ok(0.0));
        assert_eq!(parse_duration(""), Err("empty duration string".into()));
        assert_eq!(parse_duration("30m1h"), Err("not a valid duration string: \"30m1h\"".into()));
        assert_eq!(parse_duration("1x"), Err("unknown unit \"x\" in duration \"1x\"".into()));
        assert_eq!(parse_duration("1.5h"), Err("unknown unit \".\" in duration \"1.5h\"".into()));
        assert_eq!(parse_duration("1000000y"), Err("duration out of range".into()));
    }

    #[test]
    fn unescapes_queries() {
        assert_eq!(query_unescape("a+b%2Fc"), Ok("a b/c".into()));
        assert!(query_unescape("%zz").is_err());
    }
}
