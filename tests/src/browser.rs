//! Playing the operator's browser on an OAuth approve page: load it, submit its first
//! "Approve" form, and follow the redirect to the app's loopback callback.

use reqwest::redirect::Policy;

/// What the browser saw at the end: the callback page's status and body.
pub struct Visit {
    pub callback_status: u16,
    pub callback_body: String,
}

/// Approves the first location on the authorize page at `authorize_url`; `tamper` may change
/// the callback URL before the browser follows it (to forge a `state`).
pub async fn approve(authorize_url: &str, tamper: impl Fn(String) -> String) -> Visit {
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let page = http.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "the authorize page did not load");
    let html = page.text().await.unwrap();
    let form = approve_form(&html).expect("an Approve form on the authorize page");
    let action = absolute(authorize_url, &form.action);
    let mut fields = form.fields;
    fields.push(("decision".into(), "approve".into()));
    let answer = http.post(action).form(&fields).send().await.unwrap();
    assert!(
        answer.status().is_redirection(),
        "approving should redirect to the app, got {}",
        answer.status()
    );
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let callback = http.get(tamper(location)).send().await.unwrap();
    Visit {
        callback_status: callback.status().as_u16(),
        callback_body: callback.text().await.unwrap_or_default(),
    }
}

struct Form {
    action: String,
    fields: Vec<(String, String)>,
}

/// The first `<form>` with an Approve button, with its hidden inputs.
fn approve_form(html: &str) -> Option<Form> {
    html.split("<form").skip(1).find_map(|chunk| {
        let body = chunk.split("</form>").next()?;
        if !body.contains("value=\"approve\"") {
            return None;
        }
        let action = attribute(body, "action")?;
        let fields = body
            .split("<input")
            .skip(1)
            .filter_map(|input| {
                let tag = input.split('>').next()?;
                Some((
                    attribute(tag, "name")?,
                    attribute(tag, "value").unwrap_or_default(),
                ))
            })
            .collect();
        Some(Form { action, fields })
    })
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn absolute(page_url: &str, action: &str) -> String {
    url::Url::parse(page_url)
        .and_then(|base| base.join(action))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| action.to_string())
}
