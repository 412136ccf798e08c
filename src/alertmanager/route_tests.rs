use super::*;
use crate::alertmanager::Config;

fn tree() -> Route {
    let config = Config::parse(include_str!("testdata/good/routing.yml"), "routing.yml").unwrap();
    Route::new(&config.route)
}

fn labels(text: &str) -> LabelSet {
    text.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn receivers(tree: &Route, text: &str) -> Vec<String> {
    tree.matching(&labels(text)).iter().map(|route| route.options.receiver.clone()).collect()
}

#[test]
fn matching_follows_continue_and_first_match() {
    // Expected receivers are what `amtool config routes test` 0.25 prints for testdata/good/routing.yml.
    let cases = [
        ("alertname=A team=db severity=critical", "archive,db-pager"),
        ("alertname=A team=db service=mysql", "archive,db"),
        ("alertname=A team=db", "archive,db"),
        ("alertname=A team=web env=dev", "archive,web-nonprod,frontline"),
        ("alertname=A team=web env=prod", "archive,web,frontline"),
        ("alertname=A team=web severity=info", "archive,web"),
        ("alertname=A team=api", "archive,frontline"),
        ("alertname=A team=api severity=info", "archive"),
        ("alertname=A", "archive"),
    ];
    let tree = tree();
    for (alert, expected) in cases {
        assert_eq!(receivers(&tree, alert).join(","), expected, "{alert}");
    }
}

#[test]
fn a_node_without_matching_children_is_the_match() {
    let config = Config::parse(
        "route:\n  receiver: root\n  routes:\n    - matchers: [a=1]\n      receiver: child\nreceivers:\n  - name: root\n  - name: child\n",
        "r.yml",
    )
    .unwrap();
    let tree = Route::new(&config.route);
    assert_eq!(receivers(&tree, "a=2"), ["root"]);
    assert_eq!(receivers(&tree, "a=1"), ["child"]);
    assert!(tree.routes[0].matching(&labels("a=2")).is_empty());
}

#[test]
fn options_inherit_down_the_tree() {
    let tree = tree();
    let root = &tree.options;
    assert_eq!(root.group_by, ["alertname", "cluster"].map(String::from).into());
    assert_eq!(root.group_wait, Duration::from_seconds(45));
    assert_eq!((root.group_interval, root.repeat_interval), (DEFAULT_GROUP_INTERVAL, DEFAULT_REPEAT_INTERVAL));

    let archive = &tree.routes[0].options;
    assert!(archive.group_by_all);
    assert!(tree.routes[0].continue_matching);

    let db = &tree.routes[1];
    assert_eq!(db.options.group_interval, Duration::from_minutes(10));
    let pager = &db.routes[0].options;
    assert_eq!(pager.receiver, "db-pager");
    assert_eq!((pager.group_wait, pager.group_interval), (Duration::from_seconds(45), Duration::from_minutes(10)));
    assert_eq!(pager.repeat_interval, Duration::from_minutes(60));
    assert_eq!(pager.group_by, root.group_by);
    let by_service = &db.routes[1].options;
    assert_eq!(by_service.receiver, "db", "receiver inherited from the parent");
    assert_eq!(by_service.group_by, ["service".to_string()].into());

    let frontline = &tree.routes[3].options;
    assert_eq!(frontline.mute_time_intervals, ["weekends"]);
    assert!(tree.routes[3].routes.is_empty());
}

#[test]
fn defaults_apply_at_the_root() {
    let config = Config::parse("route:\n  receiver: x\nreceivers:\n  - name: x\n", "r.yml").unwrap();
    let options = Route::new(&config.route).options;
    assert_eq!(options.group_wait, Duration::from_seconds(30));
    assert_eq!(options.group_interval, Duration::from_minutes(5));
    assert_eq!(options.repeat_interval, Duration::from_minutes(240));
    assert!(options.group_by.is_empty() && !options.group_by_all);
}

#[test]
fn mute_intervals_are_not_inherited_but_group_by_all_is() {
    let yaml = "route:\n  receiver: x\n  group_by: ['...']\n  routes:\n    - receiver: x\n      mute_time_intervals: [t]\n      routes: [{receiver: x}]\n    - group_by: [a]\n      routes: [{group_by: ['...']}]\nreceivers:\n  - name: x\ntime_intervals:\n  - name: t\n    time_intervals: []\n";
    let tree = Route::new(&Config::parse(yaml, "r.yml").unwrap().route);
    assert!(tree.routes[0].routes[0].options.mute_time_intervals.is_empty());
    assert!(tree.routes[0].routes[0].options.group_by_all);
    assert!(!tree.routes[1].options.group_by_all);
    let nested = &tree.routes[1].routes[0].options;
    assert!(nested.group_by_all && nested.group_by.contains("a"));
}

#[test]
fn keys_and_ids_follow_upstream() {
    let tree = tree();
    assert_eq!(tree.key(), "{}");
    assert_eq!(tree.id(), "{}");
    assert_eq!(tree.routes[0].key(), "{}/{}");
    assert_eq!(tree.routes[0].id(), "{}/{}/0");
    assert_eq!(tree.routes[1].routes[0].id(), r#"{}/{team="db"}/{severity="critical"}/0"#);
    assert_eq!(tree.routes[1].routes[1].key(), r#"{}/{team="db"}/{service=~"^(?:mysql|postgres)$"}"#);
    assert_eq!(tree.routes[3].key(), r#"{}/{severity!="info",team=~"web|api"}"#);
    // Two siblings with the same matchers share a key but not an ID.
    assert_eq!(tree.routes[1].key(), tree.routes[4].key());
    assert_ne!(tree.routes[1].id(), tree.routes[4].id());
    let mut count = 0;
    tree.walk(&mut |_| count += 1);
    assert_eq!(count, 9);
}

#[test]
fn group_keys_use_the_route_group_by() {
    let tree = tree();
    let alert = labels("alertname=Down cluster=eu team=db severity=critical instance=h1");
    let routes = tree.matching(&alert);
    let keys: Vec<String> = routes.iter().map(|route| route.group_key(&alert)).collect();
    assert_eq!(
        keys,
        [
            r#"{}/{}:{alertname="Down", cluster="eu", instance="h1", severity="critical", team="db"}"#,
            r#"{}/{team="db"}/{severity="critical"}:{alertname="Down", cluster="eu"}"#,
        ]
    );
    // Labels the alert lacks are left out of the group.
    let partial = labels("alertname=Down team=db service=mysql");
    let route = tree.matching(&partial)[1];
    assert_eq!(route.group_labels(&partial), labels("service=mysql"));
    assert_eq!(route.group_key(&partial), r#"{}/{team="db"}/{service=~"^(?:mysql|postgres)$"}:{service="mysql"}"#);
}
