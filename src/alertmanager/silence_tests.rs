use super::*;
use crate::alertmanager::persist::StateDb;

const SECOND: Nanos = 1_000_000_000;

fn silence(value: &str, starts_at: Nanos, ends_at: Nanos) -> Silence {
    Silence {
        id: String::new(),
        matchers: vec![SilenceMatcher { name: "job".into(), value: value.into(), is_regex: false, is_equal: true }],
        starts_at,
        ends_at,
        updated_at: 0,
        created_by: "me".into(),
        comment: "maintenance".into(),
    }
}

fn labels(job: &str) -> LabelSet {
    [("job".to_string(), job.to_string())].into()
}

async fn open(directory: &std::path::Path) -> Silences {
    Silences::open(StateDb::open(directory).unwrap().table("silences").unwrap(), 3_600 * SECOND).unwrap()
}

#[tokio::test]
async fn silences_mute_update_expire_and_survive_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let now = 1_000 * SECOND;
    let id = {
        let silences = open(directory.path()).await;
        let id = silences.set(silence("api", now - SECOND, now + 60 * SECOND), now).await.unwrap();
        let stored = silences.get(&id).unwrap();
        assert_eq!(stored.starts_at, now, "a start in the past becomes now");
        assert_eq!(silences.muting(&labels("api"), now + SECOND), [id.clone()]);
        assert!(silences.muting(&labels("db"), now + SECOND).is_empty());

        // Extending an active silence keeps its id.
        let mut longer = stored.clone();
        longer.ends_at = now + 120 * SECOND;
        assert_eq!(silences.set(longer, now + SECOND).await.unwrap(), id);
        // Changing its matchers expires it and creates another.
        let mut other = silences.get(&id).unwrap();
        other.matchers[0].value = "db".into();
        let new_id = silences.set(other, now + 2 * SECOND).await.unwrap();
        assert_ne!(new_id, id);
        assert_eq!(silences.get(&id).unwrap().state(now + 2 * SECOND), SilenceState::Expired);
        id
    };
    let silences = open(directory.path()).await;
    assert_eq!(silences.get(&id).unwrap().state(now + 3 * SECOND), SilenceState::Expired);
    let active = silences.list(now + 3 * SECOND);
    assert_eq!(active[0].state(now + 3 * SECOND), SilenceState::Active);
    let before = silences.get(&id).unwrap();
    silences.expire(&id, now + 3 * SECOND).await.unwrap();
    assert_eq!(silences.get(&id).unwrap(), before, "expiring an expired silence changes nothing");
    assert!(matches!(silences.expire("nope", now).await, Err(SilenceError::NotFound)));
    assert_eq!(silences.collect_garbage(now + 7_200 * SECOND).await.unwrap(), 2);
}

#[tokio::test]
async fn invalid_silences_are_refused_with_upstream_wording() {
    let directory = tempfile::tempdir().unwrap();
    let silences = open(directory.path()).await;
    let now = 1_000 * SECOND;
    let refuse = |silence: Silence| async { silences.set(silence, now).await.unwrap_err().to_string() };
    assert_eq!(
        refuse(silence("", now, now + SECOND)).await,
        "silence invalid: at least one matcher must not match the empty string"
    );
    assert_eq!(refuse(silence("x", now, now)).await, "Failed to create silence: start time must be before end time");
    assert_eq!(
        refuse(silence("x", now - 9 * SECOND, now - SECOND)).await,
        "Failed to create silence: end time can't be in the past"
    );
    let mut no_matchers = silence("x", now, now + SECOND);
    no_matchers.matchers.clear();
    assert_eq!(refuse(no_matchers).await, "silence invalid: at least one matcher required");
    let mut bad_regex = silence("(", now, now + SECOND);
    bad_regex.matchers[0].is_regex = true;
    assert!(
        refuse(bad_regex).await.starts_with("silence invalid: invalid label matcher 0: invalid regular expression")
    );
}

#[test]
fn filters_match_silence_matchers_by_name_and_value() {
    let silence = silence("api", 0, 1);
    let filter = |text: &str| vec![crate::alertmanager::parse_matcher(text).unwrap()];
    assert!(silence.matches_filter(&filter("job=api")));
    assert!(silence.matches_filter(&filter("job=~a.*")));
    assert!(!silence.matches_filter(&filter("job=db")));
    assert!(!silence.matches_filter(&filter("team=x")));
}
