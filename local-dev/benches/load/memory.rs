//! Memory: local-dev's resident set idle, with 1,000 and with 10,000 idle user connections
//! (100 users, opened 32 at a time), and again after they all closed.

use std::time::Duration;

use serde_json::json;

use crate::client::{Api, connect_all};
use crate::report::Report;
use crate::server::Server;

pub async fn run(report: &mut Report) {
    let steps = if crate::smoke() {
        vec![200]
    } else {
        crate::knobs("BENCH_MEMORY_SOCKETS", &[1000, 10_000])
    };
    let users_count = 100;
    let server = Server::start(&[]).await;
    let api = Api::new(&server.base);
    let users = api.register_many("idle", users_count).await;
    let room = api.create_room(&users[0], "idle").await;
    api.join_all(room, &users[1..]).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = server.rss_kib();
    let mut rows = vec![vec![
        "idle".to_string(),
        "0".into(),
        format!("{:.1} MiB", idle as f64 / 1024.0),
        "–".into(),
    ]];
    let mut samples = vec![json!({"sockets": 0, "rss_kib": idle})];
    let mut open = Vec::new();
    for &target in &steps {
        let urls = (open.len()..target)
            .map(|i| format!("{}?token={}", server.ws(), users[i % users_count].token))
            .collect();
        open.extend(connect_all(urls).await);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = server.rss_kib();
        let per = (rss.saturating_sub(idle)) as f64 * 1024.0 / target as f64 / 1024.0;
        rows.push(vec![
            format!("{target} idle sockets"),
            target.to_string(),
            format!("{:.1} MiB", rss as f64 / 1024.0),
            format!("{per:.1} KiB"),
        ]);
        samples.push(json!({"sockets": target, "rss_kib": rss, "kib_per_socket": per}));
    }
    let count = open.len();
    futures_util::future::join_all(open.iter_mut().map(|s| s.close(None))).await;
    drop(open);
    // Every $disconnect runs; then the allocator has had its chance to give memory back.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = server.rss_kib();
    rows.push(vec![
        format!("after all {count} closed"),
        "0".into(),
        format!("{:.1} MiB", after as f64 / 1024.0),
        "–".into(),
    ]);
    samples.push(json!({"sockets": 0, "after_close": true, "rss_kib": after}));
    report.section(
        "Memory",
        "local-dev's resident set (`VmRSS`), default settings; per socket = (RSS − idle) / sockets.",
    );
    report.table(&["state", "sockets", "RSS", "per socket"], &rows);
    report.json("memory", json!(samples));
    server.stop().await;
}
