//! amtool against `sonde alertmanager`: alerts added and queried, silences
//! added, queried and expired, the cluster and the configuration shown;
//! the same commands run against Alertmanager 0.25 print the same (with
//! ids and clock times masked).

use std::process::Command;

use super::Am;
use crate::support::reference_binary;

const CONFIG: &str = "route:
  receiver: default
  group_by: [alertname]
receivers:
  - name: default
  - name: db
";

fn amtool(am: &Am, args: &[&str]) -> (bool, String) {
    let amtool = reference_binary("amtool").expect("amtool");
    let output = Command::new(amtool)
        .arg(format!("--alertmanager.url=http://127.0.0.1:{}", am.port))
        .args(args)
        .output()
        .expect("cannot run amtool");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// UUIDs and times vary between runs and systems.
fn masked(text: &str) -> String {
    let uuid = regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let time = regex::Regex::new(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?(Z|UTC|[+-]\d\d:?\d\d))*").unwrap();
    let text = uuid.replace_all(text, "<id>");
    let text = time.replace_all(&text, "<time>");
    // Column widths follow the widest value, which masking changed.
    text.lines().map(|line| line.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
}

/// The session both systems get; returns each command's masked output.
fn session(am: &Am) -> Vec<String> {
    let mut outputs = Vec::new();
    let mut run = |args: &[&str]| {
        let (ok, text) = amtool(am, args);
        let command = masked(&args.join(" "));
        outputs.push(format!("$ amtool {command}\n[{}]\n{}", if ok { "ok" } else { "failed" }, masked(&text)));
        text
    };
    run(&["alert", "add", "alertname=DiskFull", "severity=page", "instance=db1", "--annotation=summary=disk is full"]);
    run(&["alert", "add", "alertname=HighLoad", "severity=warning", "instance=web1"]);
    run(&["alert", "query"]);
    run(&["alert", "query", "alertname=DiskFull"]);
    run(&["alert", "query", "-o", "extended", "severity=~p.*"]);
    let id = run(&["silence", "add", "alertname=HighLoad", "--comment=maintenance", "--author=ops", "--duration=1h"]);
    let id = id.trim().to_string();
    run(&["silence", "query"]);
    run(&["silence", "query", "-q"]);
    run(&["alert", "query"]);
    run(&["alert", "query", "--silenced"]);
    run(&["silence", "add", "instance=~\".*\"", "--comment=matches everything", "--author=ops"]);
    run(&["silence", "expire", &id]);
    run(&["silence", "expire", &id]);
    run(&["silence", "query", "--expired"]);
    run(&["alert", "query"]);
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amtool_works_against_sonde_as_against_alertmanager() {
    if reference_binary("amtool").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sonde = Am::sonde(&dir.path().join("sonde"), CONFIG, &[]);
    let ours = session(&sonde);
    let joined = ours.join("\n");

    // What must hold whatever upstream prints.
    assert!(ours[2].contains("DiskFull") && ours[2].contains("HighLoad"), "{}", ours[2]);
    assert!(!ours[3].contains("HighLoad"), "{}", ours[3]);
    assert!(ours[6].contains("alertname=\"HighLoad\"") || ours[6].contains("alertname=HighLoad"), "{}", ours[6]);
    assert!(!ours[8].contains("HighLoad"), "silenced alerts are hidden: {}", ours[8]);
    assert!(ours[9].contains("HighLoad"), "{}", ours[9]);
    assert!(ours[10].contains("[failed]"), "a silence matching everything is refused: {}", ours[10]);
    assert!(ours[11].contains("[ok]") && ours[12].contains("[ok]"), "{joined}");
    assert!(ours[14].contains("HighLoad"), "expired silence mutes no more: {}", ours[14]);

    let Some(upstream) = Am::upstream(&dir.path().join("upstream"), CONFIG, &[]) else { return };
    let theirs = session(&upstream);
    for (ours, theirs) in ours.iter().zip(&theirs) {
        assert_eq!(ours, theirs, "amtool printed differently for Sonde (left) and Alertmanager (right)");
    }
}
