//! A small static file server on 127.0.0.1 (`tiny_http`), for running
//! installers against the release files before they are published.
//!
//! It serves `GET` (and `HEAD`) of regular files in one directory with their
//! `Content-Length`, answers 404 for anything else, and stops accepting when
//! dropped. Each request is answered on a thread of its own, so a slow
//! client does not hold up the others.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response, Server};

/// A running server; stops when dropped.
pub struct FileServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    /// Serve `root` on an ephemeral port of 127.0.0.1.
    pub fn start(root: &Path) -> std::io::Result<FileServer> {
        let server = Server::http("127.0.0.1:0").map_err(std::io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("the file server has no IP address"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let root = root.to_path_buf();
        let thread = {
            let stop = stop.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match server.recv_timeout(Duration::from_millis(20)) {
                        Ok(Some(request)) => {
                            requests.fetch_add(1, Ordering::Relaxed);
                            let root = root.clone();
                            std::thread::spawn(move || serve(request, &root));
                        }
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            })
        };
        Ok(FileServer {
            addr,
            stop,
            requests,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests it received.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answer one request: the file it names under `root`, or 404.
fn serve(request: Request, root: &Path) {
    let file = match request.method() {
        Method::Get | Method::Head => resolve(root, request.url()),
        _ => None,
    };
    let file = file.and_then(|path| std::fs::File::open(path).ok());
    // A failed answer is the client's problem (it went away); the installer
    // run that made the request reports it.
    let _ = match file {
        Some(file) => {
            let octets = Header::from_bytes("Content-Type", "application/octet-stream")
                .expect("a valid header");
            request.respond(
                Response::from_file(file)
                    .with_header(octets)
                    .with_chunked_threshold(usize::MAX),
            )
        }
        None => request.respond(Response::from_string("not found\n").with_status_code(404)),
    };
}

/// The file a request path names under `root`, refusing anything that escapes it.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let full = root.join(rel);
    full.is_file().then_some(full)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    fn get(url: &str) -> (String, Vec<u8>) {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .unwrap();
        let mut s = TcpStream::connect(host).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (
            String::from_utf8_lossy(&buf[..split]).into_owned(),
            buf[split + 4..].to_vec(),
        )
    }

    #[test]
    fn serves_files_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a b.txt"), b"hello").unwrap();
        let server = FileServer::start(dir.path()).unwrap();
        let (head, body) = get(&format!("{}/a%20b.txt", server.url()));
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, b"hello");
        let (head, _) = get(&format!("{}/missing", server.url()));
        assert!(head.starts_with("HTTP/1.1 404"), "{head}");
        let (head, _) = get(&format!("{}/../etc/passwd", server.url()));
        assert!(head.starts_with("HTTP/1.1 404"), "{head}");
        // A large file keeps its Content-Length (installers show progress).
        let big = vec![7u8; 100_000];
        std::fs::write(dir.path().join("big.tar.xz"), &big).unwrap();
        let (head, body) = get(&format!("{}/big.tar.xz", server.url()));
        assert!(head.contains("Content-Length: 100000"), "{head}");
        assert_eq!(body, big);
        assert_eq!(server.requests(), 4);
    }
}
