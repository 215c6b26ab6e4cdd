//! Answers the sandbox cannot give: oversized and malformed bodies, from a
//! raw TCP server. They become clear per-event failures that say the events
//! may have landed.

mod common;

use common::*;
use hubspot_timeline::send::FailureReason;
use hubspot_timeline::{Client, SendAll};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one HTTP/1.1 request (head and `Content-Length` body).
async fn read_request(stream: &mut TcpStream) -> Option<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        if buffer.len() >= end + 4 + length {
            return Some(());
        }
    }
}

/// A server that answers every request with `response`.
async fn serve(response: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                while read_request(&mut stream).await.is_some() {
                    if stream.write_all(response).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

async fn failures_against(response: &'static [u8]) -> Vec<FailureReason> {
    let url = serve(response).await;
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(url)
        .max_response_bytes(1_024)
        .batch_size(2)
        .retry(fast_retry())
        .build()
        .unwrap();
    let report = adoptions(4).send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 0);
    assert_eq!(report.may_have_landed().count(), 4, "every event may have landed");
    let indices: Vec<usize> = report.failed().iter().map(|failure| failure.index).collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    report.failed().iter().map(|failure| (*failure.reason).clone()).collect()
}

fn detail(reason: &FailureReason) -> &str {
    match reason {
        FailureReason::ResponseUnreadable { detail } => detail,
        other => panic!("expected an unreadable answer, got {other:?}"),
    }
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_unread() {
    let response =
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n{\"results\":[";
    for reason in failures_against(response).await {
        assert!(detail(&reason).contains("larger than the client's limit of 1024 bytes"), "{reason}");
    }
}

#[tokio::test]
async fn a_streamed_oversized_body_is_cut_at_the_limit() {
    const CHUNK: &str = "400\r\n";
    static RESPONSE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let response = RESPONSE.get_or_init(|| {
        let mut response = b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..4 {
            response.extend_from_slice(CHUNK.as_bytes());
            response.extend_from_slice(&[b' '; 0x400]);
            response.extend_from_slice(b"\r\n");
        }
        response.extend_from_slice(b"0\r\n\r\n");
        response
    });
    for reason in failures_against(response).await {
        assert!(detail(&reason).contains("larger than the client's limit"), "{reason}");
    }
}

#[tokio::test]
async fn a_malformed_body_is_a_clear_error() {
    let response = b"HTTP/1.1 207 Multi-Status\r\ncontent-length: 12\r\n\r\n{\"results\":[";
    for reason in failures_against(response).await {
        assert!(detail(&reason).contains("not a batch result"), "{reason}");
    }
}
