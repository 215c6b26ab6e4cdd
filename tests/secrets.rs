//! Secrets stay out of `Debug` output and error messages; plain HTTP is
//! refused except on loopback.

mod common;

use common::*;
use hubspot_timeline::{Client, Error, SendAll};

const ACCESS_TOKEN: &str = "pat-na1-secret-access-4c1d";
const CLIENT_SECRET: &str = "oauth-client-secret-77aa";
const REFRESH_TOKEN: &str = "oauth-refresh-token-31bb";
const DEVELOPER_KEY: &str = "developer-key-secret-5e5e";

fn assert_no_secret(text: &str) {
    for secret in [ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN, DEVELOPER_KEY] {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

#[test]
fn debug_output_redacts_every_secret() {
    let builder = Client::builder().access_token(ACCESS_TOKEN).developer_key(DEVELOPER_KEY);
    assert_no_secret(&format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_no_secret(&format!("{client:?}"));
    assert_no_secret(&format!("{client:#?}"));

    let builder = Client::builder().oauth("client-id", CLIENT_SECRET, REFRESH_TOKEN);
    assert_no_secret(&format!("{builder:?}"));
    assert_no_secret(&format!("{:?}", builder.build().unwrap()));
}

#[tokio::test]
async fn a_refused_access_token_stops_the_call_without_showing_it() {
    let sandbox = sandbox().start().await.unwrap();
    let client = Client::builder().access_token(ACCESS_TOKEN).base_url(sandbox.url()).build().unwrap();
    let error = adoptions(3).send_all(&client).await.unwrap_err();
    assert!(matches!(error.cause(), Error::AuthenticationRefused { status: 401, .. }), "{error:?}");
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_refused_refresh_token_stops_the_call_without_showing_secrets() {
    let sandbox = sandbox().oauth_client("client-id", "the-right-secret").start().await.unwrap();
    let client = Client::builder()
        .oauth("client-id", CLIENT_SECRET, REFRESH_TOKEN)
        .base_url(sandbox.url())
        .retry(fast_retry())
        .build()
        .unwrap();
    let error = adoptions(3).send_all(&client).await.unwrap_err();
    assert!(matches!(error.cause(), Error::TokenRefresh(_)), "{error:?}");
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    // The sandbox echoes the credentials it was given; the client hid them.
    assert!(error.to_string().contains("client_secret `<redacted>`"), "the sandbox echoed no secret: {error}");
    assert!(error.to_string().contains("refresh_token `<redacted>`"), "{error}");
    assert_eq!(sandbox.stats().tokens_issued, 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn transport_errors_do_not_show_the_developer_key_of_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder().developer_key(DEVELOPER_KEY).base_url(url).retry(fast_retry()).build().unwrap();
    let error = client.templates(42).list().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_no_secret(&error.to_string());
    let source = std::error::Error::source(&error).expect("the transport error keeps the HTTP client's error");
    let http = source.downcast_ref::<reqwest::Error>().expect("a reqwest error");
    assert!(http.is_connect() && http.url().is_none(), "{http:?}");
    assert_no_secret(&format!("{source:?}"));
}

#[test]
fn plain_http_is_refused_except_on_loopback() {
    let remote = Client::builder().access_token(ACCESS_TOKEN).base_url("http://api.hubapi.com").build();
    let Err(Error::Config { message, .. }) = remote else { panic!("plain HTTP to a remote host was accepted") };
    assert!(message.contains("HTTPS"), "{message}");
    assert_no_secret(&message);
    assert!(Client::builder().access_token(ACCESS_TOKEN).base_url("http://127.0.0.1:9").build().is_ok());
    assert!(Client::builder().access_token(ACCESS_TOKEN).base_url("https://api.hubapi.com").build().is_ok());
}
