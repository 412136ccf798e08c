//! The data model and the seams every component speaks, as Prometheus'
//! `model/labels` and `storage/interface.go`: labels, samples, matchers,
//! chunks, and the `Appender` and `Queryable` traits. Depends on no other
//! component of Sonde.

mod append;
pub mod chunk;
mod error;
mod labels;
mod matcher;
pub mod partial;
mod query;
mod sample;
mod status;

pub use append::{AppendBatch, AppendOutcome, Appender};
pub use error::{Error, ErrorCode};
pub use labels::{Label, Labels, METRIC_NAME, hash_pairs, is_legacy_label_name};
pub use matcher::{MatchOp, Matcher};
pub use query::{ChunkedSeries, Queryable, SelectHints};
pub use sample::{STALE_NAN_BITS, Sample, is_stale_nan, stale_nan};
pub use status::{NameCount, TsdbStatus};

/// The tenant of requests that name none (no `X-Scope-OrgID`), as in Mimir.
pub const DEFAULT_TENANT: &str = "anonymous";

/// Checks a tenant name against Mimir's rules, which keep it safe as a
/// directory name and in URLs: 1 to 150 of `[a-zA-Z0-9!-_.*'()]`, not `.` or `..`.
pub fn validate_tenant(tenant: &str) -> Result<(), Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "!-_.*'()".contains(c);
    let ok =
        !tenant.is_empty() && tenant.len() <= 150 && tenant != "." && tenant != ".." && tenant.chars().all(allowed);
    match ok {
        true => Ok(()),
        false => Err(Error::BadData(format!(
            "invalid tenant {tenant:?}: a tenant is 1 to 150 characters of letters, digits and !-_.*'() and not \".\" or \"..\""
        ))),
    }
}

/// The tenant named by an `X-Scope-OrgID` header value, or the default tenant.
pub fn tenant_from_header(value: Option<&[u8]>) -> Result<String, Error> {
    let Some(value) = value else { return Ok(DEFAULT_TENANT.to_string()) };
    let text = std::str::from_utf8(value).map_err(|_| Error::BadData("X-Scope-OrgID is not valid UTF-8".into()))?;
    validate_tenant(text)?;
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_follow_mimir() {
        assert!(validate_tenant("anonymous").is_ok());
        assert!(validate_tenant("team-a_1.(x)").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", &"x".repeat(151)] {
            assert!(validate_tenant(bad).is_err(), "{bad:?}");
        }
        assert_eq!(tenant_from_header(None).unwrap(), "anonymous");
        assert_eq!(tenant_from_header(Some(b"t1")).unwrap(), "t1");
    }
}
