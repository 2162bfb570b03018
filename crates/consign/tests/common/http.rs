//! The one loopback HTTP/1.1 server of the tests: the fake release servers
//! of the installer tests and the fake GitHub API all run on it.
//!
//! A test gives a handler that turns a [`Request`] into a [`Reply`]. The
//! server binds 127.0.0.1 only, answers one request per connection
//! (`Connection: close`) on a thread of its own with socket timeouts, logs
//! every request line, and stops accepting when dropped, after
//! [`LIFETIME`] or after [`MAX_CONNECTIONS`], so it cannot outlive a test for
//! long. Dropping it waits for the requests in flight (a [`Request::hang`]
//! ends when the server stops).
//!
//! Why not `tiny_http` (which `consign verify` serves files with): the
//! faults the tests inject are below HTTP. `tiny_http` always answers (a
//! request dropped unanswered becomes a 500) and keeps connections alive, so
//! it can neither close a connection without an answer nor cut a body short
//! and close: a client left with half a body waits for the rest until its
//! own timeout. Here [`Reply::cut`] and [`Reply::close`] do exactly that.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a server accepts connections at most.
pub const LIFETIME: Duration = Duration::from_secs(300);
/// How many connections a server accepts at most.
pub const MAX_CONNECTIONS: usize = 1000;

/// One request: its head, parsed; the body is read by the handler.
pub struct Request {
    /// The request line as sent (`GET /ok/x HTTP/1.1`).
    pub line: String,
    pub method: String,
    /// The path of the target, without the query; for a proxy request
    /// (`GET http://host/path`) the path of its URL.
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// The server's own address (for absolute URLs back to it).
    pub server: SocketAddr,
    reader: BufReader<TcpStream>,
    stop: Arc<AtomicBool>,
}

impl Request {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Length` of the body (0 without one).
    pub fn content_length(&self) -> usize {
        self.header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Query parameter `name`, percent-decoded (`+` is a space).
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    }

    /// Read exactly `n` bytes of the body.
    pub fn read_body(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        let mut body = vec![0; n];
        self.reader.read_exact(&mut body)?;
        Ok(body)
    }

    /// A release-server route `/ROUTE/NAME`: `ROUTE`, `NAME` and the file
    /// `NAME` under `root` if it is one (no subdirectories, no `..`).
    pub fn route_file(&self, root: &Path) -> (&str, &str, Option<PathBuf>) {
        let (route, name) = self
            .path
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or(("", ""));
        let file = (!name.is_empty() && !name.contains('/') && !name.contains(".."))
            .then(|| root.join(name))
            .filter(|p| p.is_file());
        (route, name, file)
    }

    /// Wait until the server stops, or at most `limit`.
    pub fn hang(&self, limit: Duration) {
        let start = Instant::now();
        while !self.stop.load(Ordering::SeqCst) && start.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// What the server does with a request.
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send only this many bytes of the body, then close.
    cut: Option<usize>,
    /// Close without answering.
    close: bool,
}

impl Reply {
    /// A response with `status` and `body` (its `Content-Length` is added).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            cut: None,
            close: false,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Send the head (with the whole body's length) and `sent` bytes of the
    /// body, then drop the connection.
    pub fn cut(mut self, sent: usize) -> Reply {
        self.cut = Some(sent);
        self
    }

    /// Drop the connection without answering.
    pub fn close() -> Reply {
        Reply {
            close: true,
            ..Reply::new(0, Vec::new())
        }
    }
}

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

type Handler = dyn Fn(&mut Request) -> Reply + Send + Sync;

impl Server {
    /// Start a server answering every request with `handler`.
    pub fn start(handler: impl Fn(&mut Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + LIFETIME;
                let mut workers: Vec<JoinHandle<()>> = Vec::new();
                let mut connections = 0;
                while !stop.load(Ordering::SeqCst)
                    && Instant::now() < deadline
                    && connections < MAX_CONNECTIONS
                {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections += 1;
                            let (log, stop, handler) = (log.clone(), stop.clone(), handler.clone());
                            workers.push(std::thread::spawn(move || {
                                let _ = serve(stream, addr, &log, stop, &*handler);
                            }));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        Err(_) => break,
                    }
                    workers.retain(|w| !w.is_finished());
                }
                for w in workers {
                    let _ = w.join();
                }
            })
        };
        Server {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request lines received so far.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    server: SocketAddr,
    log: &Mutex<Vec<String>>,
    stop: Arc<AtomicBool>,
    handler: &Handler,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end().to_string();
    if line.is_empty() {
        return Ok(());
    }
    let mut headers = Vec::new();
    for _ in 0..100 {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    log.lock().unwrap().push(line.clone());
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let target = words.next().unwrap_or_default();
    // A proxy request names the whole URL; keep its path.
    let target = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        line,
        headers,
        server,
        reader,
        stop,
    };
    let reply = handler(&mut request);
    let mut out = stream;
    if !reply.close {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            reply.status,
            reason(reply.status),
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        let sent = reply.cut.unwrap_or(reply.body.len()).min(reply.body.len());
        out.write_all(&reply.body[..sent])?;
        out.flush()?;
    }
    if reply.close || reply.cut.is_some() {
        let _ = out.shutdown(Shutdown::Both);
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Percent-decoding of a query value (`+` is a space).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
