//! The marketplace's "choose location" page. Everything the caller supplied is HTML-escaped:
//! `state`, `redirect_uri` and `scope` come straight from a URL anyone can craft.

use super::state::Data;

pub(crate) struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
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

fn hidden(name: &str, value: &str) -> String {
    format!(
        r#"<input type="hidden" name="{}" value="{}">"#,
        escape(name),
        escape(value)
    )
}

fn hidden_fields(request: &AuthorizeRequest) -> String {
    let mut fields = vec![
        hidden("response_type", "code"),
        hidden("client_id", &request.client_id),
        hidden("redirect_uri", &request.redirect_uri),
        hidden("scope", &request.scope),
    ];
    if let Some(state) = &request.state {
        fields.push(hidden("state", state));
    }
    fields.join("")
}

/// One form per location (Approve picks it) and one to deny, all posting to `approve_path`.
pub(crate) fn choose_location_page(
    data: &Data,
    request: &AuthorizeRequest,
    approve_path: &str,
) -> String {
    let common = hidden_fields(request);
    let locations: String = data
        .locations
        .iter()
        .map(|location| {
            format!(
                r#"<li><form method="post" action="{action}">{common}{location_field}<strong>{name}</strong> <span>{address}</span> <button type="submit" name="decision" value="approve">Approve</button></form></li>"#,
                action = escape(approve_path),
                location_field = hidden("location_id", &location.id),
                name = escape(&location.name),
                address = escape(&location.address),
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Choose a location</title></head>
<body>
<h1>{company}: choose a location</h1>
<p>An app (client <code>{client}</code>) asks for access with the scopes <code>{scope}</code>.</p>
<p>After you choose, you return to <code>{redirect}</code>.</p>
<ul>{locations}</ul>
<form method="post" action="{action}">{common}<button type="submit" name="decision" value="deny">Deny</button></form>
</body></html>
"#,
        company = escape(&data.company_name),
        client = escape(&request.client_id),
        scope = escape(&request.scope),
        redirect = escape(&request.redirect_uri),
        action = escape(approve_path),
    )
}

pub(crate) fn error_page(message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization error</title></head><body><h1>Authorization error</h1><p>{}</p></body></html>\n",
        escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
    }
}
