//! A loopback cargo registry for `consign publish` tests: a sparse index
//! (`/index/config.json`, `/index/{entry path}` with `ETag` and 304s) and
//! `PUT /api/v1/crates/new` with crates.io's replies, a log of every upload,
//! injectable faults, an index delay and an upload latency. One request per
//! connection, a thread each, 127.0.0.1 only; dropping it stops it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The `ACTIONS_ID_TOKEN_REQUEST_TOKEN` the fake OIDC endpoint accepts.
pub const OIDC_REQUEST_TOKEN: &str = "oidc_request_secret_42";

/// What a fault does to the upload it hits.
#[derive(Clone, Debug)]
pub enum Action {
    /// 429, with this `Retry-After` header value if any.
    TooMany(Option<String>),
    /// 500, and store the crate anyway when `store`.
    ServerError { store: bool },
    /// Close the connection without a reply, storing the crate when `store`.
    Drop { store: bool },
}

/// A fault for the next `times` uploads of `krate`.
#[derive(Clone, Debug)]
pub struct Fault {
    pub krate: String,
    pub action: Action,
    pub times: usize,
}

/// One upload request as received.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub vers: String,
    pub at: Instant,
    /// 200 stored, 400 duplicate, 429/500/0 (dropped) faults, 403 bad token.
    pub status: u16,
    pub stored: bool,
}

#[derive(Clone, Debug)]
pub struct Version {
    pub vers: String,
    pub line: Value,
    pub visible_at: Instant,
}

#[derive(Default)]
pub struct State {
    pub crates: BTreeMap<String, Vec<Version>>,
    pub uploads: Vec<Upload>,
    pub faults: Vec<Fault>,
    pub index_reads: usize,
    pub not_modified: usize,
    pub index_delay: Duration,
    pub upload_latency: Duration,
    /// Trusted publishing: OIDC tokens handed out, publish tokens minted
    /// and still valid, and those revoked.
    pub oidc_issued: usize,
    pub tp_valid: Vec<String>,
    pub tp_revoked: Vec<String>,
}

impl State {
    /// When `name@vers` became (or becomes) visible.
    pub fn visible_at(&self, name: &str, vers: &str) -> Option<Instant> {
        self.crates
            .get(name)?
            .iter()
            .find(|v| v.vers == vers)
            .map(|v| v.visible_at)
    }

    /// Uploads of `name@vers` the registry stored.
    pub fn stored(&self, name: &str, vers: &str) -> usize {
        self.uploads
            .iter()
            .filter(|u| u.name == name && u.vers == vers && u.stored)
            .count()
    }

    /// Every upload request of `name` (any outcome).
    pub fn requests(&self, name: &str) -> Vec<Upload> {
        self.uploads
            .iter()
            .filter(|u| u.name == name)
            .cloned()
            .collect()
    }
}

pub struct FakeRegistry {
    pub base: String,
    pub token: String,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeRegistry {
    pub fn start(token: &str) -> FakeRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st, b, t) = (state.clone(), stop.clone(), base.clone(), token.to_string());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (s, b, t) = (s.clone(), b.clone(), t.clone());
                std::thread::spawn(move || serve(conn, &s, &b, &t));
            }
        });
        FakeRegistry {
            base,
            token: token.to_string(),
            state,
            stop,
        }
    }

    /// `sparse+{base}/index/`.
    pub fn index_url(&self) -> String {
        format!("sparse+{}/index/", self.base)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn fault(&self, krate: &str, action: Action, times: usize) {
        self.lock().faults.push(Fault {
            krate: krate.into(),
            action,
            times,
        });
    }

    /// Put `name@vers` in the index, visible after `after`.
    pub fn seed(&self, name: &str, vers: &str, after: Duration) {
        let line = json!({"name": name, "vers": vers, "deps": [], "cksum": "0".repeat(64), "features": {}, "yanked": false});
        self.lock()
            .crates
            .entry(name.into())
            .or_default()
            .push(Version {
                vers: vers.into(),
                line,
                visible_at: Instant::now() + after,
            });
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

fn respond(stream: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

fn serve(stream: TcpStream, state: &Mutex<State>, base: &str, token: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut stream = stream;
    if method == "GET" && path == "/index/config.json" {
        let cfg = json!({"dl": format!("{base}/dl"), "api": base});
        return respond(&mut stream, 200, &[], &cfg.to_string());
    }
    if method == "GET" && path.starts_with("/index/") {
        let name = path.rsplit('/').next().unwrap_or("").to_string();
        let mut s = state.lock().unwrap();
        s.index_reads += 1;
        let now = Instant::now();
        let lines: Vec<String> = s
            .crates
            .get(&name)
            .map(|vs| {
                vs.iter()
                    .filter(|v| v.visible_at <= now)
                    .map(|v| v.line.to_string())
                    .collect()
            })
            .unwrap_or_default();
        if lines.is_empty() {
            drop(s);
            return respond(&mut stream, 404, &[], "not found");
        }
        let text = lines.join("\n") + "\n";
        let etag = format!("\"{}\"", hex::encode(Sha256::digest(text.as_bytes())));
        if headers.get("if-none-match") == Some(&etag) {
            s.not_modified += 1;
            drop(s);
            return respond(&mut stream, 304, &[("ETag", etag)], "");
        }
        drop(s);
        return respond(&mut stream, 200, &[("ETag", etag)], &text);
    }
    if method == "GET" && path.starts_with("/oidc?") {
        // GitHub Actions' token endpoint: `bearer {request token}`.
        let ok = headers.get("authorization").map(String::as_str)
            == Some(&format!("bearer {OIDC_REQUEST_TOKEN}"))
            && path.contains("audience=crates.io");
        if !ok {
            return respond(&mut stream, 403, &[], "bad OIDC request");
        }
        let mut s = state.lock().unwrap();
        s.oidc_issued += 1;
        let jwt = format!("jwt-{}", s.oidc_issued);
        drop(s);
        return respond(&mut stream, 200, &[], &json!({ "value": jwt }).to_string());
    }
    if path == "/api/v1/trusted_publishing/tokens" {
        let mut s = state.lock().unwrap();
        if method == "POST" {
            let req: Value = serde_json::from_slice(&body).unwrap_or_default();
            if !req["jwt"].as_str().is_some_and(|j| j.starts_with("jwt-")) {
                drop(s);
                return respond(
                    &mut stream,
                    400,
                    &[],
                    r#"{"errors":[{"detail":"bad jwt"}]}"#,
                );
            }
            let token = format!(
                "cio_tp_secret_{}",
                s.tp_valid.len() + s.tp_revoked.len() + 1
            );
            s.tp_valid.push(token.clone());
            drop(s);
            return respond(
                &mut stream,
                200,
                &[],
                &json!({ "token": token }).to_string(),
            );
        }
        if method == "DELETE" {
            let auth = headers.get("authorization").cloned().unwrap_or_default();
            let token = auth.trim_start_matches("Bearer ").to_string();
            if let Some(i) = s.tp_valid.iter().position(|t| *t == token) {
                s.tp_valid.remove(i);
                s.tp_revoked.push(token);
                drop(s);
                return respond(&mut stream, 204, &[], "");
            }
            drop(s);
            return respond(&mut stream, 401, &[], "unknown token");
        }
    }
    if method == "PUT" && path == "/api/v1/crates/new" {
        return upload(&mut stream, state, &headers, &body, token);
    }
    respond(&mut stream, 404, &[], "no such route");
}

fn upload(
    stream: &mut TcpStream,
    state: &Mutex<State>,
    headers: &BTreeMap<String, String>,
    body: &[u8],
    token: &str,
) {
    let latency = state.lock().unwrap().upload_latency;
    std::thread::sleep(latency);
    let n = u32::from_le_bytes(body[..4].try_into().unwrap()) as usize;
    let meta: Value = serde_json::from_slice(&body[4..4 + n]).unwrap();
    let c = u32::from_le_bytes(body[4 + n..8 + n].try_into().unwrap()) as usize;
    let crate_bytes = &body[8 + n..8 + n + c];
    let name = meta["name"].as_str().unwrap().to_string();
    let vers = meta["vers"].as_str().unwrap().to_string();
    let mut s = state.lock().unwrap();
    let log = |s: &mut State, status: u16, stored: bool| {
        s.uploads.push(Upload {
            name: name.clone(),
            vers: vers.clone(),
            at: Instant::now(),
            status,
            stored,
        })
    };
    let auth = headers.get("authorization").cloned().unwrap_or_default();
    if auth != token && !s.tp_valid.contains(&auth) {
        log(&mut s, 403, false);
        drop(s);
        return respond(
            stream,
            403,
            &[],
            r#"{"errors":[{"detail":"invalid token"}]}"#,
        );
    }
    let exists = s
        .crates
        .get(&name)
        .is_some_and(|vs| vs.iter().any(|v| v.vers == vers));
    let store = |s: &mut State| {
        let deps: Vec<Value> = meta["deps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                json!({"name": d["name"], "req": d["version_req"], "features": d["features"],
                    "optional": d["optional"], "default_features": d["default_features"],
                    "target": d["target"], "kind": d["kind"], "registry": d["registry"]})
            })
            .collect();
        let line = json!({"name": name, "vers": vers, "deps": deps,
            "cksum": hex::encode(Sha256::digest(crate_bytes)), "features": meta["features"], "yanked": false});
        let visible_at = Instant::now() + s.index_delay;
        s.crates.entry(name.clone()).or_default().push(Version {
            vers: vers.clone(),
            line,
            visible_at,
        });
    };
    let fault = s.faults.iter_mut().find(|f| f.krate == name && f.times > 0);
    if let Some(f) = fault {
        f.times -= 1;
        let action = f.action.clone();
        match action {
            Action::TooMany(retry_after) => {
                log(&mut s, 429, false);
                drop(s);
                let headers: Vec<(&str, String)> = retry_after
                    .map(|v| ("Retry-After", v))
                    .into_iter()
                    .collect();
                return respond(
                    stream,
                    429,
                    &headers,
                    r#"{"errors":[{"detail":"You have published too many versions of this crate in the last 24 hours"}]}"#,
                );
            }
            Action::ServerError { store: st } => {
                if st && !exists {
                    store(&mut s);
                }
                log(&mut s, 500, st && !exists);
                drop(s);
                return respond(stream, 500, &[], "internal error");
            }
            Action::Drop { store: st } => {
                if st && !exists {
                    store(&mut s);
                }
                log(&mut s, 0, st && !exists);
                drop(s);
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
    if exists {
        log(&mut s, 400, false);
        drop(s);
        let detail = format!("crate version `{vers}` is already uploaded");
        return respond(
            stream,
            400,
            &[],
            &json!({"errors":[{"detail": detail}]}).to_string(),
        );
    }
    store(&mut s);
    log(&mut s, 200, true);
    drop(s);
    respond(
        stream,
        200,
        &[],
        r#"{"warnings":{"invalid_categories":[],"invalid_badges":[],"other":[]}}"#,
    );
}

/// An HTTP-date `after` from now.
pub fn http_date_in(after: Duration) -> String {
    httpdate::fmt_http_date(SystemTime::now() + after)
}
