//! The small pages the loopback listener shows in the browser. Self-contained (no scripts, no
//! external resources) and served with a CSP that forbids both; provider text is escaped.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;\
padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}p{line-height:1.5}";

pub(crate) fn success() -> Response {
    page(
        StatusCode::OK,
        "Signed in",
        "You can close this tab and return to Contact Bridge.",
    )
}

pub(crate) fn failure(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Sign-in failed",
        &format!(
            "{}<br><br>You can close this tab and return to Contact Bridge.",
            escape(message)
        ),
    )
}

pub(crate) fn already_finished() -> Response {
    page(
        StatusCode::OK,
        "Already finished",
        "This sign-in has already finished. You can close this tab and return to Contact Bridge.",
    )
}

pub(crate) fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        "Contact Bridge is waiting for the sign-in callback here.",
    )
}

/// `body_html` must already be escaped.
fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Contact Bridge: {title}</title><style>{STYLE}</style></head>\
         <body><h1>{title}</h1><p>{body_html}</p></body></html>"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_text_cannot_inject_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn pages_forbid_scripts_and_caching() {
        let response = failure("denied");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.starts_with("default-src 'none'"));
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }
}
