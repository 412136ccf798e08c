//! The web UI in real browsers (Debian's `chromium` driven through
//! `chromedriver`, and `firefox-esr` through `geckodriver`): every page of
//! `sonde all` and of `sonde alertmanager` in both, and a loopback cluster's
//! query node in Chromium, shows what the APIs hold. Screenshots land in
//! `target/ui-screenshots/`.

/// Runs the test body `$body(engine)` once in Chromium and once in
/// Firefox, as `$body::chromium` and `$body::firefox`.
macro_rules! in_every_browser {
    ($body:ident) => {
        mod $body {
            #[tokio::test]
            async fn chromium() {
                super::$body(crate::web::webdriver::Engine::Chromium).await
            }

            #[tokio::test]
            async fn firefox() {
                super::$body(crate::web::webdriver::Engine::Firefox).await
            }
        }
    };
}

mod alertmanager;
mod cluster;
mod prometheus;
mod webdriver;
