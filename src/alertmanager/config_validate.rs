//! The checks of a whole alertmanager.yml in upstream's order: first those
//! upstream makes while decoding each part, then those of
//! `Config.UnmarshalYAML` and `Load` (global exclusions, receiver names and
//! inherited values, the root route, undefined receivers and time intervals).

use std::collections::BTreeSet;

use super::config::{Config, NamedTimeInterval, RawConfig};
use super::config_global::GlobalConfig;
use super::config_receiver::Receiver;
use super::config_route::RouteConfig;
use crate::config::{HttpClientConfig, Invalid, Within};

pub(super) fn validate(raw: Option<RawConfig>) -> Result<Config, Invalid> {
    // An empty document never reaches upstream's UnmarshalYAML.
    let Some(mut raw) = raw else {
        return Err(Invalid::new("no route provided in config"));
    };
    validate_parts(&mut raw)?;
    raw.global.validate().within("global")?;
    fill_receivers(&mut raw.receivers, &raw.global).within("receivers")?;
    let Some(route) = raw.route.take() else {
        return Err(Invalid::new("no routes provided"));
    };
    validate_root(&route).within("route")?;
    let receivers: BTreeSet<&str> = raw.receivers.iter().map(|receiver| receiver.name.as_str()).collect();
    check_receivers(&route, &receivers).within("route")?;
    let intervals = interval_names(&raw.mute_time_intervals, &raw.time_intervals)?;
    check_time_intervals(&route, &intervals).within("route")?;
    if route.continue_matching {
        return Err(Invalid::field("continue", "cannot have continue in root route").within("route"));
    }
    Ok(Config {
        global: raw.global,
        route,
        inhibit_rules: raw.inhibit_rules,
        receivers: raw.receivers,
        templates: raw.templates,
        mute_time_intervals: raw.mute_time_intervals,
        time_intervals: raw.time_intervals,
    })
}

/// What upstream checks while decoding each section.
fn validate_parts(raw: &mut RawConfig) -> Result<(), Invalid> {
    if let Some(route) = &raw.route {
        route.validate().within("route")?;
    }
    for (index, rule) in raw.inhibit_rules.iter().enumerate() {
        rule.validate().at_index(index).within("inhibit_rules")?;
    }
    for (index, receiver) in raw.receivers.iter_mut().enumerate() {
        receiver.validate().at_index(index).within("receivers")?;
    }
    check_interval_names(&raw.mute_time_intervals, "missing name in mute time interval")
        .within("mute_time_intervals")?;
    check_interval_names(&raw.time_intervals, "missing name in time interval").within("time_intervals")
}

fn check_interval_names(intervals: &[NamedTimeInterval], message: &str) -> Result<(), Invalid> {
    match intervals.iter().position(|interval| interval.name.is_empty()) {
        Some(index) => Err(Invalid::new(message).at_index(index)),
        None => Ok(()),
    }
}

/// Checks that receiver names are unique and fills in what they inherit.
fn fill_receivers(receivers: &mut [Receiver], global: &GlobalConfig) -> Result<(), Invalid> {
    let mut names = BTreeSet::new();
    for (index, receiver) in receivers.iter_mut().enumerate() {
        if !names.insert(receiver.name.clone()) {
            let message = format!("notification config name {:?} is not unique", receiver.name);
            return Err(Invalid::field("name", message).at_index(index));
        }
        fill_receiver(receiver, global).at_index(index)?;
    }
    Ok(())
}

fn fill_receiver(receiver: &mut Receiver, global: &GlobalConfig) -> Result<(), Invalid> {
    for (index, webhook) in receiver.webhook_configs.iter_mut().enumerate() {
        inherit_http_config(&mut webhook.http_config, global).at_index(index).within("webhook_configs")?;
    }
    for (index, email) in receiver.email_configs.iter_mut().enumerate() {
        fill_email(email, global).at_index(index).within("email_configs")?;
    }
    for (index, slack) in receiver.slack_configs.iter_mut().enumerate() {
        inherit_http_config(&mut slack.http_config, global).at_index(index).within("slack_configs")?;
        if slack.api_url.is_none() && slack.api_url_file.is_empty() {
            if global.slack_api_url.is_none() && global.slack_api_url_file.is_empty() {
                let message = "no global Slack API URL set either inline or in a file";
                return Err(Invalid::new(message).at_index(index).within("slack_configs"));
            }
            slack.api_url = global.slack_api_url.clone();
            slack.api_url_file = global.slack_api_url_file.clone();
        }
    }
    for (index, pagerduty) in receiver.pagerduty_configs.iter_mut().enumerate() {
        inherit_http_config(&mut pagerduty.http_config, global).at_index(index).within("pagerduty_configs")?;
        if pagerduty.url.is_none() {
            let Some(url) = &global.pagerduty_url else {
                return Err(Invalid::new("no global PagerDuty URL set").at_index(index).within("pagerduty_configs"));
            };
            pagerduty.url = Some(url.clone());
        }
    }
    for (index, telegram) in receiver.telegram_configs.iter_mut().enumerate() {
        inherit_http_config(&mut telegram.http_config, global).at_index(index).within("telegram_configs")?;
        if telegram.api_url.is_none() {
            telegram.api_url = global.telegram_api_url.clone();
        }
    }
    Ok(())
}

/// A receiver's own `http_config` is checked; without one it uses the global one.
fn inherit_http_config(http_config: &mut Option<HttpClientConfig>, global: &GlobalConfig) -> Result<(), Invalid> {
    match http_config {
        Some(own) => own.validate().within("http_config"),
        None => {
            *http_config = Some(global.http_config.clone());
            Ok(())
        }
    }
}

fn fill_email(email: &mut super::config_receiver::EmailConfig, global: &GlobalConfig) -> Result<(), Invalid> {
    if email.tls_config.is_none() {
        email.tls_config = Some(global.smtp_tls_config.clone());
    }
    if email.smarthost.is_empty() {
        if global.smtp_smarthost.is_empty() {
            return Err(Invalid::new("no global SMTP smarthost set"));
        }
        email.smarthost = global.smtp_smarthost.clone();
    }
    if email.from.is_empty() {
        if global.smtp_from.is_empty() {
            return Err(Invalid::new("no global SMTP from set"));
        }
        email.from = global.smtp_from.clone();
    }
    let inherit = |own: &mut String, global: &String| {
        if own.is_empty() {
            *own = global.clone();
        }
    };
    inherit(&mut email.hello, &global.smtp_hello);
    inherit(&mut email.auth_username, &global.smtp_auth_username);
    inherit(&mut email.auth_identity, &global.smtp_auth_identity);
    if email.auth_password.is_empty() && email.auth_password_file.is_empty() {
        email.auth_password = global.smtp_auth_password.clone();
        email.auth_password_file = global.smtp_auth_password_file.clone();
    }
    if email.auth_secret.is_empty() && email.auth_secret_file.is_empty() {
        email.auth_secret = global.smtp_auth_secret.clone();
        email.auth_secret_file = global.smtp_auth_secret_file.clone();
    }
    email.require_tls.get_or_insert(global.smtp_require_tls);
    Ok(())
}

/// The root route catches every alert, so it must name a receiver and may
/// not filter or be muted.
fn validate_root(route: &RouteConfig) -> Result<(), Invalid> {
    if route.receiver.is_empty() {
        return Err(Invalid::new("root route must specify a default receiver"));
    }
    if route.has_matchers() {
        return Err(Invalid::new("root route must not have any matchers"));
    }
    if !route.mute_time_intervals.is_empty() {
        return Err(Invalid::field("mute_time_intervals", "root route must not have any mute time intervals"));
    }
    if !route.active_time_intervals.is_empty() {
        return Err(Invalid::field("active_time_intervals", "root route must not have any active time intervals"));
    }
    Ok(())
}

/// Every receiver a route names must exist; children are checked first.
fn check_receivers(route: &RouteConfig, receivers: &BTreeSet<&str>) -> Result<(), Invalid> {
    for (index, child) in route.routes.iter().enumerate() {
        check_receivers(child, receivers).at_index(index).within("routes")?;
    }
    if route.receiver.is_empty() || receivers.contains(route.receiver.as_str()) {
        return Ok(());
    }
    Err(Invalid::field("receiver", format!("undefined receiver {:?} used in route", route.receiver)))
}

fn interval_names<'a>(
    mute: &'a [NamedTimeInterval],
    intervals: &'a [NamedTimeInterval],
) -> Result<BTreeSet<&'a str>, Invalid> {
    let mut names = BTreeSet::new();
    for (index, interval) in mute.iter().enumerate() {
        if !names.insert(interval.name.as_str()) {
            let message = format!("mute time interval {:?} is not unique", interval.name);
            return Err(Invalid::field("name", message).at_index(index).within("mute_time_intervals"));
        }
    }
    for (index, interval) in intervals.iter().enumerate() {
        if !names.insert(interval.name.as_str()) {
            let message = format!("time interval {:?} is not unique", interval.name);
            return Err(Invalid::field("name", message).at_index(index).within("time_intervals"));
        }
    }
    Ok(names)
}

/// Every time interval a route names must exist; children are checked first.
fn check_time_intervals(route: &RouteConfig, names: &BTreeSet<&str>) -> Result<(), Invalid> {
    for (index, child) in route.routes.iter().enumerate() {
        check_time_intervals(child, names).at_index(index).within("routes")?;
    }
    let lists =
        [("active_time_intervals", &route.active_time_intervals), ("mute_time_intervals", &route.mute_time_intervals)];
    for (field, list) in lists {
        if let Some((index, name)) = list.iter().enumerate().find(|(_, name)| !names.contains(name.as_str())) {
            let message = format!("undefined time interval {name:?} used in route");
            return Err(Invalid::new(message).at_index(index).within(field));
        }
    }
    Ok(())
}
