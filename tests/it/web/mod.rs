//! The web UI in a real browser (Debian's `chromium` driven through
//! `chromedriver`): every page of `sonde all`, of a loopback cluster's query
//! node and of `sonde alertmanager` shows what the APIs hold. Screenshots
//! land in `target/ui-screenshots/`.

mod alertmanager;
mod cluster;
mod prometheus;
mod webdriver;
