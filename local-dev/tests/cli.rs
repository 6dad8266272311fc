//! The `local-dev` binary as a person runs it: bad settings stop it with one line naming the
//! variable, `migrate` applies migrations and exits, and a default start serves the API.

use std::process::{Command, Stdio};
use std::time::Duration;

fn local_dev() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_local-dev"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command.current_dir(std::env::temp_dir());
    command
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chat-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_bad_setting_stops_local_dev_with_one_line_naming_it() {
    for (variable, value) in [
        ("BCRYPT_COST", "twelve"),
        ("PORT", "eighty"),
        ("DATABASE_URL", "postgres://x"),
        ("JWT_SECRET", "short"),
    ] {
        let output = local_dev().env(variable, value).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{variable}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line for {variable}: {stderr}");
        assert!(
            lines[0].contains(variable) && !lines[0].contains("panicked"),
            "{stderr}"
        );
    }
}

#[test]
fn migrate_applies_the_migrations_and_exits() {
    let dir = temp_dir("migrate");
    let url = format!("sqlite://{}", dir.join("chat.db").display());
    let output = local_dev()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));
    assert!(dir.join("chat.db").exists());
    let unknown = local_dev().arg("frobnicate").output().unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("usage"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn with_no_configuration_it_serves_on_sqlite_and_warns_about_the_dev_key() {
    let dir = temp_dir("serve");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = local_dev()
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read as _, Write as _};
            stream
                .write_all(
                    b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                )
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") && answer.contains(r#""database":"ok""#) {
                healthy = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(healthy, "local-dev answered /api/health");
    assert!(
        dir.join("chat.db").exists(),
        "it created its SQLite file where it was started"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET is not set"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The MySQL server of `TEST_MYSQL_URL` without its database (`mysql://user@host:port`), or
/// `None` (the skip is printed; `REQUIRE_MYSQL=1` makes it a failure).
fn mysql_server() -> Option<String> {
    let Ok(url) = std::env::var("TEST_MYSQL_URL") else {
        assert!(
            std::env::var("REQUIRE_MYSQL").is_err(),
            "REQUIRE_MYSQL is set but TEST_MYSQL_URL is not"
        );
        eprintln!("SKIPPED: the MySQL start-up diagnosis (TEST_MYSQL_URL is not set)");
        return None;
    };
    let authority = url.find("://").map_or(0, |i| i + 3);
    let end = url[authority..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority + i);
    Some(url[..end].to_string())
}

/// `local-dev migrate` against `url`: exit code and stderr's non-empty lines.
fn migrate_on(url: &str) -> (Option<i32>, Vec<String>, String) {
    let output = local_dev()
        .arg("migrate")
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    (output.status.code(), lines, stdout)
}

#[test]
fn a_mysql_that_cannot_be_used_is_named_in_one_line() {
    let Some(server) = mysql_server() else { return };
    let host_port = server.rsplit('@').next().unwrap().to_string();
    for (url, says) in [
        (
            "mysql://root@127.0.0.1:1/chat".to_string(),
            "refused the connection",
        ),
        (
            format!("mysql://nobody:wrong-password@{host_port}/test"),
            "denied access to user 'nobody'",
        ),
        (
            "mysql://root@no-such-host.invalid:3306/chat".to_string(),
            "unknown host 'no-such-host.invalid'",
        ),
    ] {
        let (code, lines, _) = migrate_on(&url);
        assert_eq!(code, Some(1), "{url}: {lines:?}");
        assert_eq!(lines.len(), 1, "one line for {url}: {lines:?}");
        assert!(lines[0].contains(says), "{url}: {lines:?}");
        assert!(!lines[0].contains("wrong-password"), "{lines:?}");
    }
}

#[test]
fn a_missing_mysql_database_is_created_then_migrated() {
    let Some(server) = mysql_server() else { return };
    let name = format!("chat_cli_created_{}", std::process::id());
    let (code, lines, stdout) = migrate_on(&format!("{server}/{name}"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let tables: Vec<String> = runtime.block_on(async {
        use sqlx::Connection as _;
        let mut connection = sqlx::MySqlConnection::connect(&server).await.unwrap();
        let tables = sqlx::query_scalar(
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = ?",
        )
        .bind(&name)
        .fetch_all(&mut connection)
        .await
        .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS `{name}`"
        )))
        .execute(&mut connection)
        .await
        .unwrap();
        tables
    });
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("created the database") && l.contains(&name)),
        "{lines:?}"
    );
    assert!(stdout.contains("migrations applied"), "{stdout}");
    assert!(tables.iter().any(|t| t == "messages"), "{tables:?}");
}
