//! The embedded files, by the path they are served under `/assets/`.

pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $content_type:expr),* $(,)?) => {
        &[$(Asset { path: $path, content_type: $content_type, body: include_bytes!(concat!("assets/", $path)) }),*]
    };
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

pub static ASSETS: &[Asset] = assets![
    "index.html" => HTML,
    "alertmanager.html" => HTML,
    "style.css" => CSS,
    "query.css" => CSS,
    "pages.css" => CSS,
    "alertmanager.css" => CSS,
    "favicon.svg" => SVG,
    "js/app.js" => JS,
    "js/theme.js" => JS,
    "js/dom.js" => JS,
    "js/api.js" => JS,
    "js/format.js" => JS,
    "js/query.js" => JS,
    "js/panel.js" => JS,
    "js/graph.js" => JS,
    "js/autocomplete.js" => JS,
    "js/targets.js" => JS,
    "js/discovery.js" => JS,
    "js/alerts.js" => JS,
    "js/rules.js" => JS,
    "js/status.js" => JS,
    "js/cluster.js" => JS,
    "js/alertmanager.js" => JS,
    "js/alertmanager-common.js" => JS,
    "js/alertmanager-alerts.js" => JS,
    "js/alertmanager-silences.js" => JS,
    "js/alertmanager-silence-form.js" => JS,
    "js/alertmanager-status.js" => JS,
];
