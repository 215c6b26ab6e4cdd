//! The frame of every console page (navigation, who is logged in, a
//! notice), its headers (no caching, no framing, no script), and the
//! formatting of times and ages. Every value goes through maud, which
//! escapes it.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::console::access::{CONSOLE, Operator};

/// The console's style sheet, inline (the page loads nothing else).
const STYLE: &str = r#"
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --accent:#2f6fde; --ok:#2f9e6b; --warn:#d9822b; --bad:#d64545; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header { display:flex; align-items:center; gap:24px; padding:12px 28px; background:#1f2933; color:#fff; }
header .brand { font-weight:600; font-size:15px; }
header nav a { color:#cbd2d9; text-decoration:none; margin-right:16px; }
header nav a:hover { color:#fff; }
header .who { margin-left:auto; color:#cbd2d9; font-size:13px; display:flex; gap:12px; align-items:center; }
header .who button { background:transparent; color:#fff; border:1px solid #616e7c; }
main { max-width:1180px; margin:0 auto; padding:24px 28px 48px; }
h1 { font-size:22px; margin:0 0 16px; }
h2 { font-size:16px; margin:28px 0 10px; }
.cards { display:flex; gap:12px; flex-wrap:wrap; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:140px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .value { font-size:22px; font-weight:600; }
.panel { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px; }
table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); border-radius:8px; overflow:hidden; }
th, td { text-align:left; padding:8px 12px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f0f4f8; font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr:last-child td { border-bottom:none; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12.5px; word-break:break-all; }
.reason { color:#8a2c2c; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; }
.badge.active { background:#e3f6ec; color:var(--ok); }
.badge.idle { background:#eef1f4; color:var(--muted); }
.badge.revoked { background:#fde8e8; color:var(--bad); }
.badge.paused { background:#fff6d6; color:var(--warn); }
.group { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; margin-bottom:14px; }
.group h2 { font-size:15px; margin:0 0 6px; }
pre.sample { background:#f6f8fa; border:1px solid var(--line); border-radius:6px; padding:8px 10px; max-height:180px; overflow:auto; white-space:pre-wrap; word-break:break-all; font-size:12px; }
input[type=text] { font:inherit; padding:4px 8px; border:1px solid var(--line); border-radius:6px; }
.badge.dead { background:#fff1e0; color:var(--warn); }
.notice { background:#e8f0fd; border:1px solid #bcd0f7; padding:10px 14px; border-radius:6px; margin-bottom:16px; }
.muted { color:var(--muted); }
button { font:inherit; padding:5px 12px; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.quiet { background:#fff; color:var(--accent); }
form.inline { display:inline; margin:0; }
a { color:var(--accent); }
.login { max-width:380px; margin:80px auto; }
.login input { width:100%; padding:8px 10px; font:inherit; border:1px solid var(--line); border-radius:6px; margin:6px 0 14px; }
.error { color:var(--bad); margin:0 0 12px; }
.legend span { margin-right:14px; font-size:12px; color:var(--muted); }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
"#;

/// The page's security headers: nothing cached, no framing, no script, forms only to the relay.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// A page of the console for a logged-in `operator`.
pub(crate) fn page(title: &str, operator: &Operator, notice: Option<&str>, content: Markup) -> Response {
    let body = html! {
        header {
            span.brand { "Timeline relay" }
            nav {
                a href=(CONSOLE) { "Overview" }
                a href={ (CONSOLE) "/dead" } { "Dead letters" }
                a href={ (CONSOLE) "/audit" } { "Audit" }
            }
            div.who {
                span { (operator.who) " · " (operator.role.name()) }
                @if let Some(csrf) = &operator.csrf {
                    form.inline method="post" action={ (CONSOLE) "/logout" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { "Log out" }
                    }
                }
            }
        }
        main {
            @if let Some(notice) = notice { div.notice role="status" { (notice) } }
            (content)
        }
    };
    document(title, StatusCode::OK, body)
}

/// A whole HTML document with `status`.
pub(crate) fn document(title: &str, status: StatusCode, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Timeline relay" }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    };
    secured((status, Html(markup.into_string())).into_response())
}

/// A hidden CSRF field for a form of `operator`'s, when its session has one.
pub(crate) fn csrf_field(operator: &Operator) -> Markup {
    html! {
        @if let Some(csrf) = &operator.csrf { input type="hidden" name="csrf" value=(csrf); }
    }
}

/// A wall-clock time, in UTC to the second.
pub(crate) fn time(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// How long ago `since` was, in the largest fitting unit.
pub(crate) fn age(since: SystemTime, now: SystemTime) -> String {
    duration(now.duration_since(since).unwrap_or_default())
}

/// A duration in words: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
pub(crate) fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3_600 => format!("{} min", seconds / 60),
        3_600..86_400 => format!("{} h {} min", seconds / 3_600, seconds % 3_600 / 60),
        _ => format!("{} d {} h", seconds / 86_400, seconds % 86_400 / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_their_largest_unit() {
        assert_eq!(duration(Duration::from_secs(45)), "45 s");
        assert_eq!(duration(Duration::from_secs(12 * 60 + 5)), "12 min");
        assert_eq!(duration(Duration::from_secs(3 * 3_600 + 5 * 60)), "3 h 5 min");
        assert_eq!(duration(Duration::from_secs(2 * 86_400 + 4 * 3_600)), "2 d 4 h");
    }
}
