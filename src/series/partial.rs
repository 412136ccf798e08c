//! Partial responses. A cluster read is complete only when a read quorum of
//! every token range's replicas answered; otherwise it fails. A request may
//! instead allow a partial answer (Thanos' `partial_response=true`): the
//! read then answers from the replicas that did, with a warning naming what
//! is missing — never silently. The permission and the warnings travel with
//! the request's task, so the `Queryable` seam keeps its signatures.

use std::future::Future;
use std::sync::Arc;

use parking_lot::Mutex;

tokio::task_local! {
    static ALLOWED: Arc<Mutex<Vec<String>>>;
}

/// Runs `read`, allowing partial answers inside it when `allow` is set;
/// returns its output and the warnings about what is missing.
pub async fn with_partial_responses<F: Future>(allow: bool, read: F) -> (F::Output, Vec<String>) {
    if !allow {
        return (read.await, Vec::new());
    }
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let output = ALLOWED.scope(warnings.clone(), read).await;
    let warnings = std::mem::take(&mut *warnings.lock());
    (output, warnings)
}

/// Whether the running request allows a partial answer; if it does,
/// `warning` (what is missing) goes with the answer.
pub fn accept_partial(warning: String) -> bool {
    ALLOWED.try_with(|warnings| warnings.lock().push(warning)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn partial_answers_are_allowed_only_inside_a_permitting_request() {
        assert!(!accept_partial("outside".into()));
        let (accepted, warnings) = with_partial_responses(false, async { accept_partial("refused".into()) }).await;
        assert!(!accepted && warnings.is_empty());
        let (accepted, warnings) = with_partial_responses(true, async {
            tokio::task::yield_now().await;
            accept_partial("storage-2 did not answer".into())
        })
        .await;
        assert!(accepted);
        assert_eq!(warnings, ["storage-2 did not answer"]);
    }
}
