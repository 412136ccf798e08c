use super::*;
use crate::alertmanager::{HostPort, MatchType};
use crate::config::Duration;

const RECEIVER_X: &str = "receivers:\n  - name: x\n";

fn parse(yaml: &str) -> Config {
    Config::parse(yaml, "am.yml").unwrap_or_else(|error| panic!("{error}\n{yaml}"))
}

/// The error's message and field path.
fn failure(yaml: &str) -> (String, String) {
    match Config::parse(yaml, "am.yml") {
        Ok(_) => panic!("accepted:\n{yaml}"),
        Err(error) => {
            let diagnostic = error.diagnostic().unwrap_or_else(|| panic!("{error}"));
            (diagnostic.message.clone(), diagnostic.field.clone().unwrap_or_default())
        }
    }
}

/// A file with a root route to `x`, receiver `x` and `extra` appended.
fn with_root(extra: &str) -> String {
    format!("route:\n  receiver: x\n{RECEIVER_X}{extra}")
}

#[test]
fn each_check_fails_with_upstream_wording() {
    let receiver = |configs: &str| format!("route:\n  receiver: x\nreceivers:\n  - name: x\n    {configs}\n");
    let global = |fields: &str| format!("global:\n  {fields}\n{}", with_root(""));
    let child = |fields: &str| format!("route:\n  receiver: x\n  routes:\n    - {fields}\n{RECEIVER_X}");
    let interval =
        |fields: &str| with_root(&format!("time_intervals:\n  - name: t\n    time_intervals: [{{{fields}}}]\n"));
    let cases: Vec<(String, &str, &str)> = vec![
        (String::new(), "no route provided in config", ""),
        ("# only a comment\n".into(), "no route provided in config", ""),
        (RECEIVER_X.into(), "no routes provided", ""),
        ("route:\n".to_string() + RECEIVER_X, "no routes provided", ""),
        (format!("route:\n  group_by: [a]\n{RECEIVER_X}"), "root route must specify a default receiver", "route"),
        (format!("route:\n  receiver: x\n  matchers: [a=b]\n{RECEIVER_X}"), "root route must not have any matchers", "route"),
        (format!("route:\n  receiver: x\n  match: {{a: b}}\n{RECEIVER_X}"), "root route must not have any matchers", "route"),
        (format!("route:\n  receiver: x\n  match_re: {{a: b}}\n{RECEIVER_X}"), "root route must not have any matchers", "route"),
        (
            format!("route:\n  receiver: x\n  mute_time_intervals: [t]\n{RECEIVER_X}"),
            "root route must not have any mute time intervals",
            "route.mute_time_intervals",
        ),
        (
            format!("route:\n  receiver: x\n  active_time_intervals: [t]\n{RECEIVER_X}"),
            "root route must not have any active time intervals",
            "route.active_time_intervals",
        ),
        (format!("route:\n  receiver: x\n  continue: true\n{RECEIVER_X}"), "cannot have continue in root route", "route.continue"),
        (format!("route:\n  receiver: y\n{RECEIVER_X}"), "undefined receiver \"y\" used in route", "route.receiver"),
        (
            format!("route:\n  receiver: x\n  routes:\n    - receiver: x\n      routes: [{{receiver: z}}]\n{RECEIVER_X}"),
            "undefined receiver \"z\" used in route",
            "route.routes[0].routes[0].receiver",
        ),
        (child("group_by: [a, a]"), "duplicated label \"a\" in group_by", "route.routes[0].group_by[1]"),
        (child("group_by: [a, '...']"), "cannot have wildcard group_by (`...`) and other labels at the same time", "route.routes[0].group_by"),
        (child("group_by: [a-b]"), "invalid label name \"a-b\" in group_by list", "route.routes[0].group_by[0]"),
        (child("group_interval: 0s"), "group_interval cannot be zero", "route.routes[0].group_interval"),
        (child("repeat_interval: 0s"), "repeat_interval cannot be zero", "route.routes[0].repeat_interval"),
        (child("match: {a-b: c}"), "invalid label name \"a-b\"", "route.routes[0].match.a-b"),
        (child("match_re: {a-b: c}"), "invalid label name \"a-b\"", "route.routes[0].match_re.a-b"),
        (child("matchers: ['a-b=c']"), "bad matcher format: a-b=c", "route.routes[0].matchers"),
        (child("matchers: ['a=\"b']"), "matcher value contains unescaped double quote: \"b", "route.routes[0].matchers"),
        (child("mute_time_intervals: [nope]"), "undefined time interval \"nope\" used in route", "route.routes[0].mute_time_intervals[0]"),
        (child("active_time_intervals: [nope]"), "undefined time interval \"nope\" used in route", "route.routes[0].active_time_intervals[0]"),
        ("route:\n  receiver: x\nreceivers:\n  - name: x\n  - name: y\n".into(), "", ""),
        (
            "route:\n  receiver: x\nreceivers:\n  - name: x\n  - name: x\n".into(),
            "notification config name \"x\" is not unique",
            "receivers[1].name",
        ),
        ("route:\n  receiver: x\nreceivers:\n  - name: x\n  - webhook_configs: []\n".into(), "missing name in receiver", "receivers[1]"),
        (
            with_root("time_intervals:\n  - name: a\n    time_intervals: []\n  - name: a\n    time_intervals: []\n"),
            "time interval \"a\" is not unique",
            "time_intervals[1].name",
        ),
        (
            with_root("mute_time_intervals:\n  - name: a\n    time_intervals: []\n  - name: a\n"),
            "mute time interval \"a\" is not unique",
            "mute_time_intervals[1].name",
        ),
        (
            with_root("mute_time_intervals:\n  - name: a\ntime_intervals:\n  - name: a\n"),
            "time interval \"a\" is not unique",
            "time_intervals[0].name",
        ),
        (with_root("time_intervals:\n  - time_intervals: []\n"), "missing name in time interval", "time_intervals[0]"),
        (with_root("mute_time_intervals:\n  - time_intervals: []\n"), "missing name in mute time interval", "mute_time_intervals[0]"),
        (interval("weekdays: ['friday:monday']"), "start day cannot be before end day", "time_intervals[0].time_intervals[0].weekdays[0]"),
        (
            interval("location: Europe/Berlin"),
            "unknown or unsupported time zone Europe/Berlin: Sonde knows only UTC and the fixed offsets Etc/GMT-14 to Etc/GMT+12", "time_intervals[0].time_intervals[0].location"),
        (with_root("inhibit_rules: [{equal: [a-b]}]\n"), "invalid label name \"a-b\" in equal list", "inhibit_rules[0].equal[0]"),
        (with_root("inhibit_rules: [{source_match: {a-b: c}}]\n"), "invalid label name \"a-b\"", "inhibit_rules[0].source_match.a-b"),
        (with_root("inhibit_rules: [{target_matchers: ['a-b=c']}]\n"), "bad matcher format: a-b=c", "inhibit_rules[0].target_matchers"),
        (global("slack_api_url: http://a/b\n  slack_api_url_file: /f"), "at most one of slack_api_url & slack_api_url_file must be configured", "global.slack_api_url_file"),
        (global("smtp_auth_password: p\n  smtp_auth_password_file: /f"), "at most one of smtp_auth_password & smtp_auth_password_file must be configured", "global.smtp_auth_password_file"),
        (global("pagerduty_url: ftp://x"), "unsupported scheme \"ftp\" for URL", "global.pagerduty_url"),
        (global("smtp_smarthost: host"), "address host: missing port in address", "global.smtp_smarthost"),
        (receiver("email_configs: [{to: a@b}]"), "no global SMTP smarthost set", "receivers[0].email_configs[0]"),
        (receiver("email_configs: [{to: a@b, smarthost: 'h:25'}]"), "no global SMTP from set", "receivers[0].email_configs[0]"),
        (receiver("email_configs: [{from: a@b}]"), "missing to address in email config", "receivers[0].email_configs[0]"),
        (
            receiver("email_configs: [{to: t, from: f, smarthost: 'h:25', headers: {subject: a, Subject: b}}]"),
            "duplicate header \"Subject\" in email config",
            "receivers[0].email_configs[0].headers",
        ),
        (receiver("slack_configs: [{channel: '#a'}]"), "no global Slack API URL set either inline or in a file", "receivers[0].slack_configs[0]"),
        (receiver("slack_configs: [{api_url: 'http://a/b', api_url_file: /f}]"), "at most one of api_url & api_url_file must be configured", "receivers[0].slack_configs[0]"),
        (receiver("slack_configs: [{api_url: 'http://a/b', fields: [{title: t}]}]"), "missing value in Slack field configuration", "receivers[0].slack_configs[0].fields[0]"),
        (receiver("slack_configs: [{api_url: 'http://a/b', actions: [{type: button, text: t}]}]"), "missing name or url in Slack action configuration", "receivers[0].slack_configs[0].actions[0]"),
        (receiver("pagerduty_configs: [{severity: x}]"), "missing service or routing key in PagerDuty config", "receivers[0].pagerduty_configs[0]"),
        (receiver("pagerduty_configs: [{routing_key: k, routing_key_file: /f}]"), "at most one of routing_key & routing_key_file must be configured", "receivers[0].pagerduty_configs[0]"),
        (
            "global:\n  pagerduty_url:\nroute:\n  receiver: x\nreceivers:\n  - name: x\n    pagerduty_configs: [{routing_key: k}]\n".into(),
            "no global PagerDuty URL set",
            "receivers[0].pagerduty_configs[0]",
        ),
        (receiver("webhook_configs: [{send_resolved: true}]"), "one of url or url_file must be configured", "receivers[0].webhook_configs[0]"),
        (receiver("webhook_configs: [{url: 'http://a/b', url_file: /f}]"), "at most one of url & url_file must be configured", "receivers[0].webhook_configs[0]"),
        (receiver("webhook_configs: [{url: 'ftp://a/b'}]"), "unsupported scheme \"ftp\" for URL", "receivers[0].webhook_configs[0].url"),
        (receiver("webhook_configs: [{url: 'http:///b'}]"), "missing host for URL", "receivers[0].webhook_configs[0].url"),
        (receiver("telegram_configs: [{chat_id: 5}]"), "missing bot_token or bot_token_file on telegram_config", "receivers[0].telegram_configs[0]"),
        (receiver("telegram_configs: [{bot_token: a, bot_token_file: /b, chat_id: 1}]"), "at most one of bot_token & bot_token_file must be configured", "receivers[0].telegram_configs[0]"),
        (receiver("telegram_configs: [{bot_token: a}]"), "missing chat_id on telegram_config", "receivers[0].telegram_configs[0]"),
        (
            receiver("telegram_configs: [{bot_token: a, chat_id: 5, parse_mode: Foo}]"),
            "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string",
            "receivers[0].telegram_configs[0].parse_mode",
        ),
        (
            receiver("opsgenie_configs: [{api_key: a}]"),
            "opsgenie_configs is not supported by Sonde (supported: email_configs, pagerduty_configs, slack_configs, telegram_configs, webhook_configs)",
            "receivers[0].opsgenie_configs",
        ),
        (
            receiver("webhook_configs: [{url: 'http://a/b', http_config: {bearer_token: t, bearer_token_file: /f}}]"),
            "at most one of bearer_token & bearer_token_file must be configured",
            "receivers[0].webhook_configs[0].http_config",
        ),
    ];
    for (yaml, message, field) in cases {
        if message.is_empty() {
            // A receiver that no route uses is fine.
            parse(&yaml);
            continue;
        }
        let (got_message, got_field) = failure(&yaml);
        assert_eq!(got_message, message, "{yaml}");
        assert!(got_field.starts_with(field), "{yaml}\nfield {got_field:?}, expected {field:?}");
    }
}

#[test]
fn decoding_is_strict() {
    let cases = [
        format!("route:\n  receiver: x\n  bogus: 1\n{RECEIVER_X}"),
        format!("bogus: 1\n{}", with_root("")),
        format!("route:\n  receiver: x\n  receiver: x\n{RECEIVER_X}"),
        "route:\n  receiver: x\nreceivers:\n  - name: x\n    webhook_configs: [{url: 'http://a/b', bogus: 1}]\n"
            .to_string(),
        "route:\n  receiver: x\nreceivers:\n  - name: x\n    telegram_configs: [{bot_token: a, chat_id: 'twelve'}]\n"
            .to_string(),
        format!("route:\n  receiver: x\n  matchers: 'a=b'\n{RECEIVER_X}"),
        format!("route:\n  receiver: x\n  group_wait: 5x\n{RECEIVER_X}"),
    ];
    for yaml in cases {
        let error = Config::parse(&yaml, "am.yml").unwrap_err();
        assert!(error.diagnostic().is_some_and(|diagnostic| diagnostic.line.is_some()), "{yaml}\n{error}");
    }
    let (message, _) = failure(&format!("route:\n  receiver: x\n  recevier: y\n{RECEIVER_X}"));
    assert!(message.contains("did you mean `receiver`"), "{message}");
}

#[test]
fn errors_carry_the_file_position() {
    let yaml = "route:\n  receiver: x\n  routes:\n    - receiver: x\n    - receiver: nope\nreceivers:\n  - name: x\n";
    let error = Config::parse(yaml, "am.yml").unwrap_err();
    assert_eq!(error.to_string(), "am.yml:5:7: route.routes[1].receiver: undefined receiver \"nope\" used in route");
}

#[test]
fn defaults_match_upstream() {
    let config = parse(&with_root(""));
    assert_eq!(config.global.resolve_timeout, Duration::from_minutes(5));
    assert_eq!(config.global.smtp_hello, "localhost");
    assert!(config.global.smtp_require_tls);
    assert_eq!(config.global.pagerduty_url.as_ref().unwrap().as_str(), "https://events.pagerduty.com/v2/enqueue");
    assert_eq!(config.global.telegram_api_url.as_ref().unwrap().as_str(), "https://api.telegram.org");
    assert!(config.global.http_config.follow_redirects && config.global.http_config.enable_http2);
    assert!(config.templates.is_empty() && config.inhibit_rules.is_empty());
    assert_eq!(parse(&format!("global:\n{}", with_root(""))).global, config.global);
    assert_eq!(
        parse(&format!("global: {{resolve_timeout: 0s}}\n{}", with_root(""))).global.resolve_timeout,
        Duration::ZERO
    );
}

#[test]
fn receivers_inherit_from_global() {
    let yaml = r#"
global:
  smtp_from: alerts@example.org
  smtp_smarthost: smtp.example.org:587
  smtp_auth_username: alerts
  smtp_auth_password: hunter2
  smtp_require_tls: false
  slack_api_url: https://hooks.slack.com/services/T0/B0/XYZ
  telegram_api_url: https://telegram.internal
  http_config:
    proxy_url: http://proxy:3128
route:
  receiver: all
receivers:
  - name: all
    email_configs:
      - to: oncall@example.org
      - to: other@example.org
        from: me@example.org
        smarthost: '[::1]:25'
        require_tls: true
        auth_password_file: /secrets/smtp
        headers: {x-team: db, subject: Hi}
    slack_configs:
      - channel: '#alerts'
      - api_url_file: /secrets/slack
    pagerduty_configs:
      - routing_key: abc
        client: sonde
        details: {firing: custom}
    telegram_configs:
      - bot_token_file: /secrets/telegram
        chat_id: -1001234567890
        message_thread_id: 7
    webhook_configs:
      - url: http://localhost:9000/hook
        http_config: {follow_redirects: false}
"#;
    let config = parse(yaml);
    let receiver = config.receiver("all").unwrap();
    let inherited = &receiver.email_configs[0];
    assert_eq!(inherited.from, "alerts@example.org");
    assert_eq!(inherited.smarthost, HostPort { host: "smtp.example.org".into(), port: "587".into() });
    assert_eq!((inherited.hello.as_str(), inherited.auth_username.as_str()), ("localhost", "alerts"));
    assert_eq!(inherited.auth_password.expose(), "hunter2");
    assert_eq!(inherited.require_tls, Some(false));
    assert!(!inherited.send_resolved);
    assert_eq!(inherited.html, r#"{{ template "email.default.html" . }}"#);
    assert_eq!(inherited.subject(), r#"{{ template "email.default.subject" . }}"#);
    let own = &receiver.email_configs[1];
    assert_eq!((own.from.as_str(), own.smarthost.to_string().as_str()), ("me@example.org", "[::1]:25"));
    assert!(own.auth_password.is_empty() && own.auth_password_file == "/secrets/smtp");
    assert_eq!(own.require_tls, Some(true));
    assert_eq!(own.subject(), "Hi");
    assert_eq!(own.headers.keys().collect::<Vec<_>>(), ["Subject", "X-Team"]);

    let slack = &receiver.slack_configs;
    assert_eq!(
        slack[0].api_url.as_ref().and_then(|url| url.expose()),
        Some("https://hooks.slack.com/services/T0/B0/XYZ")
    );
    assert!(slack[1].api_url.is_none() && slack[1].api_url_file == "/secrets/slack");
    assert_eq!(slack[0].title, r#"{{ template "slack.default.title" . }}"#);
    assert!(slack.iter().all(|config| config.http_config.as_ref().unwrap().proxy.proxy_url.is_some()));

    let pagerduty = &receiver.pagerduty_configs[0];
    assert_eq!(pagerduty.url.as_ref().unwrap().as_str(), DEFAULT_PAGERDUTY_URL_TEXT);
    assert_eq!(pagerduty.source, "sonde");
    assert_eq!(pagerduty.details["firing"], "custom");
    assert_eq!(pagerduty.details["num_firing"], "{{ .Alerts.Firing | len }}");
    assert!(pagerduty.send_resolved);

    let telegram = &receiver.telegram_configs[0];
    assert_eq!(telegram.api_url.as_ref().unwrap().as_str(), "https://telegram.internal");
    assert_eq!((telegram.chat_id, telegram.message_thread_id), (-1_001_234_567_890, 7));
    assert_eq!(telegram.parse_mode, "HTML");
    assert_eq!(telegram.message, r#"{{ template "telegram.default.message" . }}"#);

    let webhook = &receiver.webhook_configs[0];
    assert!(webhook.send_resolved);
    let http = webhook.http_config.as_ref().unwrap();
    assert!(!http.follow_redirects && http.proxy.proxy_url.is_none(), "own http_config replaces the global one");
}

const DEFAULT_PAGERDUTY_URL_TEXT: &str = "https://events.pagerduty.com/v2/enqueue";

#[test]
fn deprecated_and_new_matchers_combine() {
    let yaml = format!(
        "route:\n  receiver: x\n  routes:\n    - match: {{severity: page}}\n      match_re: {{team: 'db|web'}}\n      matchers: ['env=~\"prod.*\"', 'a!=b']\ninhibit_rules:\n  - source_match: {{severity: critical}}\n    target_matchers: [severity=warning]\n    target_match_re: {{service: '.+'}}\n    equal: [cluster]\n{RECEIVER_X}"
    );
    let config = parse(&yaml);
    let matchers = config.route.routes[0].all_matchers();
    assert_eq!(matchers.to_string(), r#"{a!="b",env=~"prod.*",severity="page",team=~"^(?:db|web)$"}"#);
    let rule = &config.inhibit_rules[0];
    assert_eq!(rule.all_source_matchers().to_string(), r#"{severity="critical"}"#);
    let target = rule.all_target_matchers();
    assert_eq!(target.to_string(), r#"{service=~"^(?:.+)$",severity="warning"}"#);
    assert_eq!(target.iter().next().unwrap().kind(), MatchType::Regexp);
    assert_eq!(rule.equal, ["cluster"]);
}

#[test]
fn time_intervals_are_found_by_name() {
    let yaml = with_root(
        "mute_time_intervals:\n  - name: old\n    time_intervals: [{weekdays: [saturday]}]\ntime_intervals:\n  - name: new\n    time_intervals: [{months: [december]}, {years: ['2030']}]\n",
    );
    let config = parse(&yaml);
    assert_eq!(config.time_interval("old").unwrap().len(), 1);
    assert_eq!(config.time_interval("new").unwrap().len(), 2);
    assert!(config.time_interval("none").is_none());
}

#[test]
fn routes_are_muted_and_activated_by_their_intervals() {
    let yaml = "route:\n  receiver: x\n  routes:\n    - receiver: x\n      mute_time_intervals: [weekend]\n    - receiver: x\n      active_time_intervals: [office, weekend]\nreceivers:\n  - name: x\ntime_intervals:\n  - name: weekend\n    time_intervals: [{weekdays: [saturday, sunday]}]\n  - name: office\n    time_intervals: [{times: [{start_time: '09:00', end_time: '17:00'}], weekdays: ['monday:friday']}]\n";
    let config = parse(yaml);
    let tree = crate::alertmanager::Route::new(&config.route);
    let (muting, activated) = (&tree.routes[0].options, &tree.routes[1].options);
    // 2024-03-09 is a Saturday; 2024-03-11 a Monday.
    let saturday_noon = 1_709_985_600_000;
    let monday_noon = saturday_noon + 2 * 86_400_000;
    let monday_night = monday_noon + 10 * 3_600_000;
    assert!(config.is_route_muted(muting, saturday_noon));
    assert!(!config.is_route_muted(muting, monday_noon));
    assert!(!config.is_route_muted(activated, saturday_noon));
    assert!(!config.is_route_muted(activated, monday_noon));
    assert!(config.is_route_muted(activated, monday_night));
    assert!(!config.is_route_muted(&tree.options, monday_night));
}

#[test]
fn printing_hides_secrets_and_reads_back() {
    let yaml = r#"
global:
  smtp_auth_password: hunter2
  slack_api_url: https://hooks.slack.com/services/T0/B0/XYZ
  http_config: {basic_auth: {username: u, password: pw-global}}
route:
  receiver: x
  group_by: ['...']
  group_wait: 10s
  routes:
    - matchers: ['team="db"']
      receiver: x
      continue: true
receivers:
  - name: x
    telegram_configs: [{bot_token: tg-token-123, chat_id: 42}]
    webhook_configs: [{url: 'http://user:pw-url@hook.internal/x'}]
    pagerduty_configs: [{routing_key: pd-key-456}]
time_intervals:
  - name: weekends
    time_intervals: [{weekdays: [saturday, sunday], location: Etc/GMT-1}]
templates: ['/etc/sonde/*.tmpl']
"#;
    let config = parse(yaml);
    let printed = config.to_yaml();
    for secret in ["hunter2", "XYZ", "pw-global", "tg-token-123", "pw-url", "pd-key-456"] {
        assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
    }
    assert!(printed.contains("<secret>"), "{printed}");
    assert!(!format!("{config:?}").contains("tg-token-123"));
    let reread = parse(&printed);
    assert_eq!(reread.route, config.route);
    assert_eq!(reread.time_intervals, config.time_intervals);
    assert_eq!(reread.templates, config.templates);
    assert_eq!(reread.receivers[0].telegram_configs[0].chat_id, 42);
}

#[test]
fn load_resolves_templates_against_the_file() {
    let directory = std::env::temp_dir().join(format!("amconfig-load-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("alertmanager.yml");
    std::fs::write(&path, with_root("templates: ['tmpl/*.tmpl', '/abs/x.tmpl']\n")).unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(config.templates, [directory.join("tmpl/*.tmpl").display().to_string(), "/abs/x.tmpl".to_string()]);
    std::fs::remove_dir_all(&directory).unwrap();
    let error = Config::load(directory.join("missing.yml")).unwrap_err();
    assert!(error.to_string().starts_with("cannot read "), "{error}");
}
