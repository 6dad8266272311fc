//! The route table of `infra/routes.json` (which Lambda function serves each API Gateway
//! route; the CDK app is built from it and a parity test holds SAM to it), and API Gateway's
//! way of choosing a route for a request, for the forwarding mode ([`crate::forward`]).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

/// The file as the repository has it, built into the binary.
const ROUTES_JSON: &str = include_str!("../../infra/routes.json");

#[derive(Debug, Deserialize)]
struct File {
    http: BTreeMap<String, String>,
    websocket: BTreeMap<String, String>,
}

/// One HTTP route: `GET /api/rooms/{id}` and the function behind it.
#[derive(Debug, Clone)]
struct HttpRoute {
    key: String,
    /// `None`: `ANY`.
    method: Option<String>,
    segments: Vec<Segment>,
    function: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{id}`: one whole segment.
    Variable(String),
    /// `{proxy+}`: the rest of the path (last segment only).
    Greedy(String),
}

/// What a request matched: the route key API Gateway puts in the event, the function and the
/// path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<'a> {
    pub route_key: &'a str,
    pub function: &'a str,
    pub path_parameters: HashMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Routes {
    http: Vec<HttpRoute>,
    http_default: String,
    websocket: BTreeMap<String, String>,
}

impl Routes {
    /// The table built into this binary.
    pub fn built_in() -> Routes {
        Routes::parse(ROUTES_JSON).expect("infra/routes.json is a valid route table")
    }

    fn parse(text: &str) -> Result<Routes, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut http = Vec::new();
        let mut http_default = None;
        for (key, function) in file.http {
            if key == "$default" {
                http_default = Some(function);
                continue;
            }
            let (method, path) = key
                .split_once(' ')
                .ok_or_else(|| format!("'{key}' is not 'METHOD /path'"))?;
            let segments = parse_path(path).map_err(|e| format!("'{key}': {e}"))?;
            http.push(HttpRoute {
                method: (method != "ANY").then(|| method.to_string()),
                key,
                segments,
                function,
            });
        }
        // API Gateway's priority: literal segments before variables before a greedy rest,
        // left to right, and a route's own method before ANY.
        http.sort_by_key(|route| {
            let ranks: Vec<u8> = route
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(_) => 0,
                    Segment::Variable(_) => 1,
                    Segment::Greedy(_) => 2,
                })
                .collect();
            (ranks, route.method.is_none())
        });
        for needed in ["$connect", "$default", "$disconnect"] {
            if !file.websocket.contains_key(needed) {
                return Err(format!("no WebSocket route {needed}"));
            }
        }
        Ok(Routes {
            http,
            http_default: http_default.ok_or("no HTTP $default route")?,
            websocket: file.websocket,
        })
    }

    /// The HTTP route API Gateway picks for `method path`: the most specific match, or
    /// `$default`.
    pub fn http(&self, method: &str, path: &str) -> Matched<'_> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for route in &self.http {
            if route.method.as_deref().is_some_and(|m| m != method) {
                continue;
            }
            if let Some(path_parameters) = match_path(&route.segments, &parts) {
                return Matched {
                    route_key: &route.key,
                    function: &route.function,
                    path_parameters,
                };
            }
        }
        Matched {
            route_key: "$default",
            function: &self.http_default,
            path_parameters: HashMap::new(),
        }
    }

    /// The function behind a WebSocket route (`$connect`, `$default`, `$disconnect`).
    pub fn websocket(&self, route_key: &str) -> &str {
        &self.websocket[route_key]
    }

    /// The functions behind the HTTP API, once each.
    pub fn http_functions(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .http
            .iter()
            .map(|r| r.function.as_str())
            .chain([self.http_default.as_str()])
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let parts: Vec<&str> = path
        .strip_prefix('/')
        .ok_or("the path must start with /")?
        .split('/')
        .collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(
            |(i, part)| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if name.ends_with('+') => {
                    if i == last {
                        Ok(Segment::Greedy(name.trim_end_matches('+').to_string()))
                    } else {
                        Err(format!("{{{name}}} must be the last segment"))
                    }
                }
                Some(name) => Ok(Segment::Variable(name.to_string())),
                None => Ok(Segment::Literal(part.to_string())),
            },
        )
        .collect()
}

fn match_path(segments: &[Segment], parts: &[&str]) -> Option<HashMap<String, String>> {
    let mut parameters = HashMap::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                let rest = parts
                    .get(i..)
                    .filter(|rest| !rest.is_empty() && !rest[0].is_empty())?;
                parameters.insert(name.clone(), rest.join("/"));
                return Some(parameters);
            }
            Segment::Literal(literal) => {
                if parts.get(i) != Some(&literal.as_str()) {
                    return None;
                }
            }
            Segment::Variable(name) => {
                let part = parts.get(i).filter(|p| !p.is_empty())?;
                parameters.insert(name.clone(), (*part).to_string());
            }
        }
    }
    (parts.len() == segments.len()).then_some(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Routes {
        Routes::built_in()
    }

    #[test]
    fn the_http_api_is_served_by_the_three_rest_functions() {
        assert_eq!(table().http_functions(), ["auth", "messages", "rooms"]);
    }

    #[test]
    fn a_route_with_its_own_method_wins_and_variables_bind_whole_segments() {
        let routes = table();
        let m = routes.http("GET", "/api/rooms/7/messages");
        assert_eq!(
            (m.route_key, m.function),
            ("GET /api/rooms/{id}/messages", "messages")
        );
        assert_eq!(m.path_parameters["id"], "7");
        let m = routes.http("PUT", "/api/rooms/7/messages/9/reactions/%F0%9F%91%8D");
        assert_eq!(m.function, "messages");
        assert_eq!(m.path_parameters["emoji"], "%F0%9F%91%8D");
        assert_eq!(routes.http("GET", "/api/rooms/7").function, "rooms");
        assert_eq!(routes.http("POST", "/api/dms").function, "rooms");
    }

    #[test]
    fn a_greedy_variable_takes_the_rest_of_the_path_for_any_method() {
        let routes = table();
        let m = routes.http("POST", "/api/auth/login");
        assert_eq!(
            (m.route_key, m.function),
            ("ANY /api/auth/{proxy+}", "auth")
        );
        assert_eq!(m.path_parameters["proxy"], "login");
        assert_eq!(
            routes.http("GET", "/api/auth/a/b").path_parameters["proxy"],
            "a/b"
        );
        // `{proxy+}` needs at least one segment.
        assert_eq!(routes.http("GET", "/api/auth").route_key, "$default");
    }

    #[test]
    fn anything_else_goes_to_default() {
        let routes = table();
        for (method, path) in [
            ("DELETE", "/api/rooms"),
            ("GET", "/api/nope"),
            ("GET", "/api/rooms/1/join"),
            ("GET", "/api/rooms/"),
            ("GET", "/api/rooms/1/messages/2/extra"),
        ] {
            let m = routes.http(method, path);
            assert_eq!(
                (m.route_key, m.function),
                ("$default", "rooms"),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn the_websocket_routes_go_to_the_ws_functions() {
        let routes = table();
        assert_eq!(routes.websocket("$connect"), "ws-connect");
        assert_eq!(routes.websocket("$default"), "ws-message");
        assert_eq!(routes.websocket("$disconnect"), "ws-disconnect");
    }

    #[test]
    fn a_broken_table_is_refused_with_the_reason() {
        let ws = r#""websocket": {"$connect": "c", "$default": "m", "$disconnect": "d"}"#;
        let parse = |http: &str| Routes::parse(&format!(r#"{{"http": {{{http}}}, {ws}}}"#));
        assert!(
            parse(r#""GET /a": "x""#)
                .unwrap_err()
                .contains("no HTTP $default")
        );
        assert!(
            parse(r#""/a": "x", "$default": "x""#)
                .unwrap_err()
                .contains("METHOD /path")
        );
        assert!(
            parse(r#""GET /{p+}/a": "x", "$default": "x""#)
                .unwrap_err()
                .contains("last segment")
        );
        let no_ws = Routes::parse(r#"{"http": {"$default": "x"}, "websocket": {}}"#);
        assert!(no_ws.unwrap_err().contains("$connect"));
    }
}
