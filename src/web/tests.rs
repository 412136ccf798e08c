use std::collections::BTreeSet;

use axum::http::{StatusCode, header};

use super::*;

fn files_under(dir: &std::path::Path, prefix: &str, into: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            files_under(&entry.path(), &format!("{name}/"), into);
        } else {
            into.insert(name);
        }
    }
}

#[test]
fn every_file_in_the_assets_directory_is_embedded_and_nothing_else() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/assets");
    let mut on_disk = BTreeSet::new();
    files_under(&dir, "", &mut on_disk);
    let embedded: BTreeSet<String> = ASSETS.iter().map(|asset| asset.path.to_string()).collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn pages_reference_only_embedded_assets_and_no_other_host() {
    for asset in ASSETS.iter().filter(|asset| asset.path.ends_with(".html") || asset.path.ends_with(".js")) {
        let text = std::str::from_utf8(asset.body).unwrap();
        // The SVG namespace is a name, not a place the page loads from.
        let elsewhere = text.replace("http://www.w3.org/2000/svg", "");
        assert!(!elsewhere.contains("http://") && !elsewhere.contains("https://"), "{} links another host", asset.path);
        for reference in text.split("/assets/").skip(1) {
            let path: String = reference.chars().take_while(|c| !matches!(c, '"' | '\'' | '`' | ')' | ' ')).collect();
            assert!(ASSETS.iter().any(|asset| asset.path == path), "{} names missing asset {path:?}", asset.path);
        }
        for module in text.split("from './").skip(1).chain(text.split("import('./").skip(1)) {
            let path = format!("js/{}", module.split('\'').next().unwrap());
            assert!(ASSETS.iter().any(|asset| asset.path == path), "{} imports missing module {path:?}", asset.path);
        }
    }
}

async fn get(router: Router, uri: &str, etag: Option<&str>) -> reqwest::Response {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut request = client.get(format!("http://{address}{uri}"));
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_page_serves_the_entry_page_and_assets_revalidate_by_etag() {
    for page in PAGES {
        let response = get(prometheus_router(), page, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    }
    let root = get(prometheus_router(), "/", None).await;
    assert_eq!(root.headers()[header::LOCATION], "/query");

    let script = get(prometheus_router(), "/assets/js/app.js", None).await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    let etag = script.headers()[header::ETAG].to_str().unwrap().to_string();
    let again = get(prometheus_router(), "/assets/js/app.js", Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let missing = get(prometheus_router(), "/assets/js/nothing.js", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let am = get(alertmanager_router(), "/", None).await;
    assert_eq!(am.status(), StatusCode::OK);
}
