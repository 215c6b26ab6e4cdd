//! The throwaway Redis server answers, goes away on `stop` and comes back on
//! the same port on `start_again`.

use std::io::{Read, Write};
use std::net::TcpStream;

use timeline_testkit::RedisServer;

/// The server's answer to one inline command, or `None` when nothing listens.
fn ask(port: u16, command: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
    let mut answer = [0u8; 64];
    let read = stream.read(&mut answer).ok()?;
    Some(String::from_utf8_lossy(&answer[..read]).into_owned())
}

#[test]
fn the_server_stops_and_starts_again_on_its_port_empty() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let port = redis.port();
    assert_eq!(redis.url(), format!("redis://127.0.0.1:{port}"));
    assert_eq!(ask(port, "SET greeting hello").as_deref(), Some("+OK\r\n"));
    assert_eq!(ask(port, "CONFIG GET save").as_deref(), Some("*2\r\n$4\r\nsave\r\n$0\r\n\r\n"), "no snapshots");
    redis.stop();
    assert!(!redis.is_running());
    assert_eq!(ask(port, "PING"), None, "nothing listens while stopped");
    redis.start_again();
    assert_eq!(redis.port(), port);
    assert_eq!(ask(port, "GET greeting").as_deref(), Some("$-1\r\n"), "the data did not survive");
}
