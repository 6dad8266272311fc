//! `/api/docs`: a browsable page over `/api/openapi.json` whose files all come from local-dev
//! itself (compiled in), so it works offline and under the SPA's CSP. The page never touches
//! the database, so SQLite alone is enough.

use reqwest::StatusCode;

use crate::helpers::{Backend, spawn_app};

/// The `src="…"` and `href="…"` values of an HTML page.
fn asset_urls(html: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| html.split(attribute).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_docs_page_serves_swagger_ui_over_the_openapi_document_from_this_origin_only() {
    let app = spawn_app(Backend::Sqlite).await;

    let page = app.get("/api/docs", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.url().path(),
        "/api/docs/",
        "redirected to the slash form, where the page's relative asset paths resolve"
    );
    let headers = page.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert_eq!(
        csp,
        local_dev::spa::CONTENT_SECURITY_POLICY,
        "the SPA's strict policy"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let base = page.url().clone();
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"swagger-ui\""), "{html}");

    let assets = asset_urls(&html);
    for script in [
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
    ] {
        assert!(
            assets.iter().any(|url| url.ends_with(script)),
            "{script} in {assets:?}"
        );
    }
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "no asset from another origin: {html}"
    );
    for asset in &assets {
        let url = base.join(asset).unwrap();
        assert_eq!(url.origin(), base.origin(), "{asset} stays on this origin");
        let response = app.http.get(url.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        let expected = match asset.rsplit('.').next().unwrap() {
            "js" => "text/javascript",
            "css" => "text/css",
            "png" => "image/png",
            other => panic!("an asset of an unexpected kind: {other} ({asset})"),
        };
        assert!(
            content_type.starts_with(expected),
            "{asset}: {content_type}, not {expected}"
        );
    }

    let initializer = app
        .get("/api/docs/swagger-initializer.js", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains(r#""url": "/api/openapi.json""#),
        "{initializer}"
    );
    assert!(
        initializer.contains(r#""validatorUrl": "none""#) && !initializer.contains("://"),
        "nothing fetched from swagger.io or any other site: {initializer}"
    );
    let document = app.get("/api/openapi.json", None).await;
    assert_eq!(document.status(), StatusCode::OK);
    assert!(
        document.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}
