//! The function binary refuses to start without its secrets, with one clear line.

#[test]
fn without_jwt_secret_the_function_exits_with_one_line_naming_it() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_auth"))
        .env_clear()
        .env("DATABASE_URL", "mysql://chat@127.0.0.1:3306/chat")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("configuration error: JWT_SECRET"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}
