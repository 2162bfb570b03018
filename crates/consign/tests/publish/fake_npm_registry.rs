//! A loopback stand-in for the two npm registry endpoints `consign publish`
//! uses: `GET /{package}` (the packument, 404 when absent) and `PUT
//! /{package}` (what `npm publish` sends: the version's metadata and the
//! tarball, base64, in `_attachments`). Publishing a version twice is a 403,
//! as on registry.npmjs.org. One request per connection, 127.0.0.1 only;
//! dropping the server stops it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// One published version.
#[derive(Clone, Debug)]
pub struct Published {
    /// The version's metadata as `npm publish` sent it.
    pub meta: Value,
    /// The tarball's bytes.
    pub tarball: Vec<u8>,
}

#[derive(Default)]
pub struct State {
    /// package → version → what was published.
    pub packages: BTreeMap<String, BTreeMap<String, Published>>,
    /// `METHOD /path` of every request.
    pub requests: Vec<String>,
}

pub struct FakeNpmRegistry {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeNpmRegistry {
    /// A registry that accepts `token` (as `Authorization: Bearer`).
    pub fn start(token: &str) -> FakeNpmRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop, token) = (state.clone(), stop.clone(), token.to_string());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let _ = serve(stream, &state, &token);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FakeNpmRegistry {
            url,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FakeNpmRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, token: &str) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let path = words.next().unwrap_or_default().to_string();
    let (mut length, mut auth) = (0usize, None);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "authorization" => auth = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, reply) = route(&method, &path, &body, auth.as_deref(), token, state);
    let text = reply.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}

fn route(
    method: &str,
    path: &str,
    body: &[u8],
    auth: Option<&str>,
    token: &str,
    state: &Mutex<State>,
) -> (u16, Value) {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.requests.push(format!("{method} {path}"));
    let name = path
        .trim_start_matches('/')
        .split('?')
        .next()
        .unwrap_or_default()
        .replace("%2f", "/")
        .replace("%2F", "/");
    match method {
        "GET" => match s.packages.get(&name) {
            None => (404, json!({"error": "Not found"})),
            Some(versions) => (
                200,
                json!({
                    "name": name,
                    "versions": versions.iter().map(|(v, p)| (v.clone(), p.meta.clone())).collect::<serde_json::Map<_, _>>(),
                }),
            ),
        },
        "PUT" => {
            if auth != Some(&format!("Bearer {token}")) {
                return (401, json!({"error": "unauthorized"}));
            }
            let doc: Value = match serde_json::from_slice(body) {
                Ok(d) => d,
                Err(e) => return (400, json!({"error": format!("bad JSON: {e}")})),
            };
            let Some((version, meta)) = doc["versions"]
                .as_object()
                .and_then(|v| v.iter().next())
                .map(|(k, v)| (k.clone(), v.clone()))
            else {
                return (400, json!({"error": "no version in the document"}));
            };
            let Some(data) = doc["_attachments"]
                .as_object()
                .and_then(|a| a.values().next())
                .and_then(|a| a["data"].as_str())
            else {
                return (400, json!({"error": "no tarball in the document"}));
            };
            use base64::Engine as _;
            let Ok(tarball) = base64::engine::general_purpose::STANDARD.decode(data) else {
                return (400, json!({"error": "the tarball is not base64"}));
            };
            let versions = s.packages.entry(name).or_default();
            if versions.contains_key(&version) {
                return (
                    403,
                    json!({"error": format!("You cannot publish over the previously published versions: {version}.")}),
                );
            }
            versions.insert(version, Published { meta, tarball });
            (200, json!({"ok": true}))
        }
        _ => (405, json!({"error": "method not allowed"})),
    }
}
