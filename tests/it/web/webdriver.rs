//! A small W3C WebDriver client for Debian's `chromium` with `chromedriver`
//! and `firefox-esr` with `geckodriver`: the handful of commands the UI tests
//! need (open a URL, run a script, find, click and type, take a
//! screenshot), over the crate's own HTTP client rather than a WebDriver
//! crate and its dependencies.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::{free_port, reference_binary};

/// The key WebDriver sends for Enter.
pub const ENTER: &str = "\u{E007}";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }

    /// The driver and the browser binaries, as found on PATH.
    fn binaries(self) -> Option<(PathBuf, PathBuf)> {
        match self {
            Engine::Chromium => Some((reference_binary("chromedriver")?, reference_binary("chromium")?)),
            Engine::Firefox => Some((reference_binary("geckodriver")?, reference_binary("firefox-esr")?)),
        }
    }

    fn capabilities(self, binary: &Path) -> Value {
        match self {
            Engine::Chromium => json!({
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": binary,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--window-size=1440,1000", "--lang=en-GB", "--hide-scrollbars"],
                },
            }),
            Engine::Firefox => json!({
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "binary": binary,
                    "args": ["-headless", "-width=1440", "-height=1000"],
                    "prefs": {"intl.accept_languages": "en-GB"},
                },
            }),
        }
    }
}

/// A headless browser session, closed (with its driver) when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    client: reqwest::Client,
    engine: Engine,
    /// Where screenshots go.
    pub artifacts: PathBuf,
}

impl Browser {
    /// A new browser, or None (with the reason printed) outside CI when
    /// the browser or its driver is not installed.
    pub async fn start(engine: Engine) -> Option<Browser> {
        let (driver_binary, browser_binary) = engine.binaries()?;
        let port = free_port();
        let driver = Command::new(driver_binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start the WebDriver driver");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = client.get(format!("{base}/status")).send().await.ok();
            if let Some(response) = ready {
                let status: Value = response.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the {} driver did not become ready", engine.name());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": engine.capabilities(&browser_binary)}});
        let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ui-screenshots");
        std::fs::create_dir_all(&artifacts).unwrap();
        let mut browser = Browser { driver, base, client, engine, artifacts };
        let session = browser.command("POST", "/session", capabilities).await;
        let id = session["sessionId"].as_str().expect("no session id").to_string();
        browser.base = format!("{}/session/{id}", browser.base);
        Some(browser)
    }

    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.client.get(&url),
            "DELETE" => self.client.delete(&url),
            _ => self.client.post(&url).json(&body),
        };
        let response = request.send().await.unwrap_or_else(|e| panic!("webdriver {path}: {e}"));
        let answer: Value = response.json().await.unwrap_or_default();
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!("webdriver {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    pub async fn open(&self, url: &str) {
        self.command("POST", "/url", json!({"url": url})).await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.command("POST", "/execute/sync", json!({"script": script, "args": args})).await
    }

    /// The value of a JavaScript expression.
    pub async fn eval(&self, expression: &str) -> Value {
        self.run(&format!("return ({expression});"), json!([])).await
    }

    /// Waits until `expression` is truthy, and returns its value; fails
    /// the test with `what` and the page's text after `seconds`.
    pub async fn wait_for(&self, what: &str, expression: &str, seconds: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let value = self.eval(expression).await;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                let text = self.eval("document.body.innerText").await;
                panic!("timed out waiting for {what} ({expression}); the page says:\n{}", text.as_str().unwrap_or(""));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The number of elements matching a CSS selector.
    pub async fn count(&self, selector: &str) -> u64 {
        self.run("return document.querySelectorAll(arguments[0]).length;", json!([selector])).await.as_u64().unwrap()
    }

    /// The text of every element matching a selector.
    pub async fn texts(&self, selector: &str) -> Vec<String> {
        let value = self
            .run("return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText);", json!([selector]))
            .await;
        value.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect()
    }

    async fn element(&self, selector: &str) -> String {
        let found = self.command("POST", "/element", json!({"using": "css selector", "value": selector})).await;
        found.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("no element id").to_string()
    }

    pub async fn click(&self, selector: &str) {
        let id = self.element(selector).await;
        self.command("POST", &format!("/element/{id}/click"), json!({})).await;
    }

    /// Types `text` into the element as key presses (so the page's key
    /// handlers run); `ENTER` presses Enter.
    pub async fn type_into(&self, selector: &str, text: &str) {
        let id = self.element(selector).await;
        self.command("POST", &format!("/element/{id}/value"), json!({"text": text})).await;
    }

    pub async fn clear(&self, selector: &str) {
        let id = self.element(selector).await;
        self.command("POST", &format!("/element/{id}/clear"), json!({})).await;
    }

    /// Resizes the window (a taller one shows a whole page in a screenshot).
    pub async fn resize(&self, width: u32, height: u32) {
        self.command("POST", "/window/rect", json!({"width": width, "height": height})).await;
    }

    /// Saves a PNG of the window as `name`.png among the artifacts.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let encoded = self.command("GET", "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap()).unwrap();
        // Chromium's are the README's; Firefox's are told apart by name.
        let path = match self.engine {
            Engine::Chromium => self.artifacts.join(format!("{name}.png")),
            Engine::Firefox => self.artifacts.join(format!("{name}-{}.png", self.engine.name())),
        };
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Errors the page logged (uncaught exceptions, failed scripts).
    pub async fn console_errors(&self) -> Vec<String> {
        let value = self.eval("window.__errors || []").await;
        value.as_array().unwrap().iter().map(|v| v.to_string()).collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes the browser (geckodriver would leave
        // Firefox running if only the driver were killed); plain blocking
        // HTTP, since drop cannot await.
        use std::io::{Read, Write};
        if let Some((host, path)) = self.base.strip_prefix("http://").and_then(|rest| rest.split_once('/')) {
            if let Ok(mut stream) = std::net::TcpStream::connect(host) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!("DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
                let _ = stream.write_all(request.as_bytes());
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
