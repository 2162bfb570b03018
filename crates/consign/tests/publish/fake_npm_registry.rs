//! A loopback npm registry for tests: `GET /{name}` (the packument) and
//! `PUT /{name}` (publish), as the npm CLI and `consign publish` use them.
//! 127.0.0.1 only; the caller stops it with `unblock()` on the server.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What the fake registry holds and saw.
#[derive(Default)]
pub struct Registry {
    /// package → version → integrity.
    pub versions: BTreeMap<String, BTreeMap<String, String>>,
    /// Publishes received (package@version).
    pub puts: Vec<String>,
    /// Answer the next publish with a 500 after storing it.
    pub fail_next_reply: bool,
    /// Authorization headers seen.
    pub auth: Vec<String>,
    /// Store each publish, then hold its reply while this stays set (a
    /// client killed after the registry acted).
    pub hold_replies: bool,
    /// Set while a reply is held.
    pub holding: bool,
}

/// A loopback npm registry: `GET /{name}` (the packument) and `PUT /{name}`
/// (publish), as the npm CLI uses them.
pub fn npm_registry(
    state: Arc<Mutex<Registry>>,
) -> (String, std::thread::JoinHandle<()>, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let s = server.clone();
    let handle = std::thread::spawn(move || {
        // Bounded: the test unblocks the server when done.
        for mut req in s.incoming_requests() {
            let name = req
                .url()
                .trim_start_matches('/')
                .replace("%2f", "/")
                .replace("%2F", "/");
            if let Some(auth) = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
            {
                state.lock().unwrap().auth.push(auth.value.to_string());
            }
            let json = |code: u16, body: String| {
                tiny_http::Response::from_string(body)
                    .with_status_code(code)
                    .with_header(
                        "Content-Type: application/json"
                            .parse::<tiny_http::Header>()
                            .unwrap(),
                    )
            };
            match req.method() {
                tiny_http::Method::Get => {
                    let st = state.lock().unwrap();
                    let resp = match st.versions.get(&name) {
                        None => json(404, "{\"error\":\"Not found\"}".into()),
                        Some(v) => {
                            let versions: serde_json::Map<String, serde_json::Value> = v
                                .iter()
                                .map(|(ver, integrity)| {
                                    (
                                        ver.clone(),
                                        serde_json::json!({"name": name, "version": ver, "dist": {"integrity": integrity}}),
                                    )
                                })
                                .collect();
                            json(
                                200,
                                serde_json::json!({"name": name, "versions": versions}).to_string(),
                            )
                        }
                    };
                    drop(st);
                    let _ = req.respond(resp);
                }
                tiny_http::Method::Put => {
                    let mut body = String::new();
                    req.as_reader().read_to_string(&mut body).unwrap();
                    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let (version, meta) =
                        doc["versions"].as_object().unwrap().iter().next().unwrap();
                    let integrity = meta["dist"]["integrity"].as_str().unwrap().to_string();
                    let mut st = state.lock().unwrap();
                    st.puts.push(format!("{name}@{version}"));
                    let exists = st
                        .versions
                        .get(&name)
                        .is_some_and(|v| v.contains_key(version));
                    let resp = if exists {
                        json(
                            403,
                            "{\"error\":\"cannot publish over the previously published versions\"}"
                                .into(),
                        )
                    } else {
                        st.versions
                            .entry(name.clone())
                            .or_default()
                            .insert(version.clone(), integrity);
                        if st.hold_replies {
                            st.holding = true;
                            drop(st);
                            // Bounded: the test clears the flag once it has
                            // killed the client.
                            for _ in 0..3000 {
                                if !state.lock().unwrap().hold_replies {
                                    break;
                                }
                                std::thread::sleep(std::time::Duration::from_millis(20));
                            }
                            st = state.lock().unwrap();
                            st.holding = false;
                        }
                        if std::mem::take(&mut st.fail_next_reply) {
                            json(500, "{\"error\":\"gateway timeout\"}".into())
                        } else {
                            json(200, "{\"ok\":true}".into())
                        }
                    };
                    drop(st);
                    let _ = req.respond(resp);
                }
                _ => {
                    let _ = req.respond(json(405, "{}".into()));
                }
            }
        }
    });
    (format!("http://127.0.0.1:{port}"), handle, server)
}
