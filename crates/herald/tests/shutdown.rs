//! Graceful shutdown of the real `herald serve`: on SIGTERM a request in flight finishes, new
//! connections are refused (or told 503 by `/readyz`), and the process exits with status 0.

mod common;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

use common::Server;

/// Reads one HTTP/1.1 response from `stream`: the head, then `Content-Length` bytes of body.
fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("the response head");
        assert!(n > 0, "the connection closed mid-head: {received:?}");
        received.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&received).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the response body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// `GET path` on a new connection: `None` when the connection is refused.
fn get_on_new_connection(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = match TcpStream::connect(addr) {
        Ok(stream) => stream,
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => return None,
        Err(e) => panic!("connecting to {addr}: {e}"),
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        // Accepted by the kernel, then closed as the listener went away: refused all the same.
        return None;
    }
    let mut response = Vec::new();
    match stream.read_to_end(&mut response) {
        Ok(_) if !response.is_empty() => {}
        _ => return None,
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok())?;
    Some((status, text))
}

#[actix_web::test]
async fn sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_zero() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("herald.toml");
    fs::write(&config, "[shutdown]\ngrace_seconds = 20\n").expect("the config");
    let mut command = Server::command(&dir.path().join("data"));
    command
        .env("HERALD_CONFIG", &config)
        .env("RUST_LOG", "info");
    let mut server = Server::spawn(command).await;
    let addr = server
        .base()
        .strip_prefix("http://")
        .expect("an http URL")
        .to_owned();

    // One connection the server has certainly accepted: it answered a request on it.
    let mut slow = TcpStream::connect(&addr).expect("a connection");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    write!(slow, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("a request");
    assert_eq!(read_response(&mut slow).0, 200);
    // On it, the head of a creation and half its body: a request in flight, its handler
    // waiting for the rest of the body.
    let body = json!({"fields": {"question": "Does a stop wait for me?",
                                 "answer": "It waits for every request in flight."}})
    .to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    write!(
        slow,
        "POST /api/v1/entries/faq HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        server.token(),
        body.len()
    )
    .expect("the first half");
    slow.flush().expect("sent");
    std::thread::sleep(Duration::from_millis(300));

    server.terminate();
    server.wait_log("shutting down: finishing in-flight requests");
    // New connections are refused, or the server says it is not ready. (The readiness flag
    // is set just after the log line, hence the few tries.)
    let deadline = Instant::now() + Duration::from_secs(5);
    let refused = loop {
        match get_on_new_connection(&addr, "/readyz") {
            None => break "refused",
            Some((503, _)) => break "503",
            Some((status, text)) => {
                assert!(
                    Instant::now() < deadline,
                    "still ready during the drain: {status} {text}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    // The request keeps the process alive for as long as it takes (within the grace period).
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        server.wait_exit(Duration::ZERO).is_none(),
        "the server exited with a request in flight (new connections: {refused})"
    );

    slow.write_all(rest.as_bytes()).expect("the second half");
    let (status, text) = read_response(&mut slow);
    assert_eq!(status, 201, "the request in flight: {text}");
    let created: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(created["fields"]["question"], "Does a stop wait for me?");

    let exit = server
        .wait_exit(Duration::from_secs(15))
        .expect("the server exits once the request is done");
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}
