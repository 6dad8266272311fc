//! Builds the SPA at start-up when its build is missing or stale (`LOCAL_BUILD_SPA=auto`), so
//! that `cargo run -p local-dev` on a fresh clone serves the chat, not a how-to page.
//!
//! Only `main.rs` calls this: [`crate::start`], which every test uses, never runs npm.
//!
//! The rules:
//! - The project: the folder holding the build (`FRONTEND_DIST`, default `frontend/dist`) when
//!   that folder is named `dist` and its parent has a `package.json` (Vite's default `outDir`).
//!   It is built only when local-dev runs from inside the folder that holds the project (the
//!   repository, for `frontend/`): an installed binary started elsewhere serves what it finds.
//! - Stale: `dist/index.html` is missing, or older than any of what `npm run build` reads:
//!   `src/**`, `public/**`, `index.html`, `package.json`, `package-lock.json`, `vite.config.*`
//!   and `tsconfig*.json` (Vite rewrites `index.html` on every build). The folders count too,
//!   so deleting or renaming a source file is a change.
//! - `npm ci` first only when `node_modules/.package-lock.json` (npm's record of what it
//!   installed) is missing or older than `package-lock.json`.
//! - npm missing or a failed build is one warning: the API still starts, and `/` serves the
//!   previous build or the how-to page.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

/// Why the build must be redone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// No `index.html` in the build folder.
    Missing,
    /// This input changed after the last build (the newest such file).
    OlderThan(PathBuf),
}

/// The top-level files of the project that `npm run build` reads.
fn is_input_file(name: &str) -> bool {
    matches!(name, "index.html" | "package.json" | "package-lock.json")
        || name.starts_with("vite.config.")
        || (name.starts_with("tsconfig") && name.ends_with(".json"))
}

/// The project's folders that `npm run build` reads, every file in them.
const INPUT_DIRS: [&str; 2] = ["src", "public"];

/// The npm project whose `npm run build` writes `dist`, if local-dev may build it from `cwd`.
pub fn project_of(dist: &Path, cwd: &Path) -> Option<PathBuf> {
    if dist.file_name()? != "dist" {
        return None;
    }
    let project = dist.parent()?.canonicalize().ok()?;
    if !project.join("package.json").is_file() {
        return None;
    }
    let holder = project.parent()?;
    let cwd = cwd.canonicalize().ok()?;
    cwd.starts_with(holder).then_some(project)
}

/// Whether `dist` (built from `project`) must be rebuilt, and why.
pub fn stale(project: &Path, dist: &Path) -> Option<Stale> {
    let Some(built) = modified(&dist.join("index.html")) else {
        return Some(Stale::Missing);
    };
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    let entries = std::fs::read_dir(project).into_iter().flatten().flatten();
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if INPUT_DIRS.contains(&name.as_ref()) {
            newest_under(&entry.path(), &mut newest);
        } else if is_input_file(&name) {
            consider(&entry.path(), &mut newest);
        }
    }
    match newest {
        Some((time, path)) if time > built => Some(Stale::OlderThan(path)),
        _ => None,
    }
}

/// Whether `npm ci` must run before the build.
pub fn needs_install(project: &Path) -> bool {
    match (
        modified(&project.join("node_modules/.package-lock.json")),
        modified(&project.join("package-lock.json")),
    ) {
        (Some(installed), Some(locked)) => installed < locked,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn consider(path: &Path, newest: &mut Option<(SystemTime, PathBuf)>) {
    if let Some(time) = modified(path)
        && newest.as_ref().is_none_or(|(t, _)| time > *t)
    {
        *newest = Some((time, path.to_path_buf()));
    }
}

/// `dir` and everything under it (a folder's time changes when an entry is removed or
/// renamed); symbolic links to folders are not followed (no loops).
fn newest_under(dir: &Path, newest: &mut Option<(SystemTime, PathBuf)>) {
    consider(dir, newest);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => newest_under(&path, newest),
            Ok(_) => consider(&path, newest),
            Err(_) => {}
        }
    }
}

const NPM: &str = if cfg!(windows) { "npm.cmd" } else { "npm" };

/// Builds the SPA that `dist` is the build of, when it is stale and local-dev may build it,
/// streaming npm's output to the terminal. Never fails: what went wrong is one warning.
pub fn build_if_stale(dist: &Path) {
    let Ok(cwd) = std::env::current_dir() else {
        return;
    };
    let Some(project) = project_of(dist, &cwd) else {
        tracing::debug!(dist = %dist.display(), "not an npm project's build under the working directory; not building the SPA");
        return;
    };
    let dist = project.join("dist");
    let shown = |path: &Path| {
        path.strip_prefix(&cwd)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let Some(why) = stale(&project, &dist) else {
        tracing::debug!(dist = %shown(&dist), "the SPA build is up to date");
        return;
    };
    let why = match why {
        Stale::Missing => format!("{} is missing", shown(&dist)),
        Stale::OlderThan(input) => format!("{} is older than {}", shown(&dist), shown(&input)),
    };
    let install = needs_install(&project);
    let steps: &[&str] = if install {
        &["ci", "run build"]
    } else {
        &["run build"]
    };
    let command = steps
        .iter()
        .map(|step| format!("npm {step}"))
        .collect::<Vec<_>>()
        .join(" && ");
    let by_hand = format!("cd {} && npm ci && npm run build", shown(&project));
    let serving = if dist.join("index.html").is_file() {
        "serving the previous build"
    } else {
        "serving a how-to page at /"
    };
    tracing::info!("building the SPA ({why}): {command}");
    let started = Instant::now();
    for step in steps {
        let status = Command::new(NPM)
            .args(step.split(' '))
            .current_dir(&project)
            .stdin(Stdio::null())
            .status();
        let failure = match status {
            Ok(status) if status.success() => continue,
            Ok(status) => format!("`npm {step}` failed ({status}; its output is above)"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                "npm is not installed (or not on PATH); install Node.js 20.19 or newer".to_string()
            }
            Err(e) => format!("cannot run npm: {e}"),
        };
        tracing::warn!(
            "cannot build the SPA: {failure}. The API runs, {serving}. Build it by hand: {by_hand}"
        );
        return;
    }
    let took = started.elapsed().as_secs();
    if dist.join("index.html").is_file() {
        tracing::info!("built the SPA into {} (took {took} s)", shown(&dist));
    } else {
        tracing::warn!(
            "`npm run build` wrote no {}/index.html (took {took} s); {serving}",
            shown(&dist)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, File};
    use std::time::Duration;

    /// A throw-away npm project laid out like `frontend/`, every file an hour old.
    struct Project {
        root: PathBuf,
    }

    impl Project {
        fn new(name: &str) -> Project {
            let root = std::env::temp_dir().join(format!(
                "chat-spa-build-{name}-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ));
            let project = Project { root };
            for file in [
                "package.json",
                "package-lock.json",
                "index.html",
                "vite.config.ts",
                "tsconfig.app.json",
                "README.md",
                "src/main.tsx",
                "src/features/chat/Chat.tsx",
                "public/favicon.svg",
                "e2e/chat.e2e.test.mjs",
            ] {
                project.write(file, 3600);
            }
            for dir in [
                "",
                "src",
                "src/features",
                "src/features/chat",
                "public",
                "e2e",
            ] {
                project.age(&project.dir().join(dir), 3600);
            }
            project
        }

        fn dir(&self) -> PathBuf {
            self.root.join("frontend")
        }

        /// Creates (or rewrites) `path` under the project, dated `age_secs` ago. The folder
        /// keeps its time: the new file stands for the change.
        fn write(&self, path: &str, age_secs: u64) {
            let path = self.dir().join(path);
            let parent = path.parent().unwrap();
            fs::create_dir_all(parent).unwrap();
            let parent_time = modified(parent).unwrap();
            File::create(&path).unwrap();
            File::open(parent)
                .unwrap()
                .set_modified(parent_time)
                .unwrap();
            self.age(&path, age_secs);
        }

        fn age(&self, path: &Path, age_secs: u64) {
            let when = SystemTime::now() - Duration::from_secs(age_secs);
            File::open(path).unwrap().set_modified(when).unwrap();
        }

        fn built(&self, age_secs: u64) {
            self.write("dist/index.html", age_secs);
        }
    }

    impl Drop for Project {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn a_missing_build_is_stale() {
        let p = Project::new("missing");
        assert_eq!(stale(&p.dir(), &p.dir().join("dist")), Some(Stale::Missing));
    }

    #[test]
    fn a_build_newer_than_every_input_is_fresh() {
        let p = Project::new("fresh");
        p.built(60);
        assert_eq!(stale(&p.dir(), &p.dir().join("dist")), None);
    }

    #[test]
    fn a_build_older_than_a_source_file_names_the_newest_one() {
        let p = Project::new("older");
        p.built(600);
        p.write("src/main.tsx", 120);
        p.write("src/features/chat/Chat.tsx", 60);
        assert_eq!(
            stale(&p.dir(), &p.dir().join("dist")),
            Some(Stale::OlderThan(p.dir().join("src/features/chat/Chat.tsx")))
        );
    }

    #[test]
    fn every_build_input_counts_and_other_files_do_not() {
        for input in [
            "index.html",
            "package.json",
            "package-lock.json",
            "vite.config.ts",
            "tsconfig.app.json",
            "public/favicon.svg",
            "src/new-file.ts",
        ] {
            let p = Project::new("inputs");
            p.built(600);
            p.write(input, 60);
            assert_eq!(
                stale(&p.dir(), &p.dir().join("dist")),
                Some(Stale::OlderThan(p.dir().join(input))),
                "{input}"
            );
        }
        let p = Project::new("not-inputs");
        p.built(600);
        p.write("README.md", 60);
        p.write("e2e/chat.e2e.test.mjs", 60);
        p.write("node_modules/vite/index.js", 60);
        p.write("dist/assets/old.js", 6000);
        assert_eq!(stale(&p.dir(), &p.dir().join("dist")), None);
    }

    #[test]
    fn deleting_a_source_file_makes_the_build_stale() {
        let p = Project::new("deleted");
        p.built(600);
        assert_eq!(stale(&p.dir(), &p.dir().join("dist")), None);
        fs::remove_file(p.dir().join("src/features/chat/Chat.tsx")).unwrap();
        assert_eq!(
            stale(&p.dir(), &p.dir().join("dist")),
            Some(Stale::OlderThan(p.dir().join("src/features/chat")))
        );
    }

    #[test]
    fn npm_ci_runs_when_node_modules_is_missing_or_older_than_the_lock_file() {
        let p = Project::new("install");
        assert!(needs_install(&p.dir()), "no node_modules");
        p.write("node_modules/.package-lock.json", 60);
        assert!(!needs_install(&p.dir()), "installed after the lock file");
        p.write("package-lock.json", 10);
        assert!(needs_install(&p.dir()), "lock file changed since");
    }

    #[test]
    fn only_a_dist_beside_a_package_json_is_built_and_only_from_inside_its_repository() {
        let p = Project::new("project");
        let dist = p.dir().join("dist");
        let project = p.dir().canonicalize().unwrap();
        assert_eq!(project_of(&dist, &p.root), Some(project.clone()));
        assert_eq!(project_of(&dist, &p.dir().join("src")), Some(project));
        assert_eq!(
            project_of(&dist, &std::env::temp_dir()),
            None,
            "started outside the repository"
        );
        assert_eq!(project_of(&p.dir().join("build"), &p.root), None);
        assert_eq!(project_of(&p.root.join("dist"), &p.root), None);
    }
}
