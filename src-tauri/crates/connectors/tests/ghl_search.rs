//! Streaming changed contacts through POST /contacts/search with searchAfter paging.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bridge_connectors::ghl::{ChangedContactsQuery, SearchPage};
use bridge_core::ErrorCode;
use chrono::{DateTime, TimeZone, Utc};
use futures::StreamExt;
use serde_json::{json, Value};
use support::{ghl, MockServer, Recorded, Reply, LOCATION};

/// A location's contacts as (id, dateUpdated in ms); the fake search sorts them by
/// (dateUpdated, id), applies a `dateUpdated >= gte` filter and a `searchAfter` of
/// `[ms, id]`, as GHL's documentation describes.
fn search_server_answer(
    contacts: &[(&str, i64)],
    request: &Recorded,
    send_search_after: bool,
) -> Reply {
    let body = request.json();
    let limit = body["pageLimit"].as_u64().unwrap() as usize;
    let gte = body["filters"][0]["value"]["gte"]
        .as_str()
        .map(|t| DateTime::parse_from_rfc3339(t).unwrap().timestamp_millis());
    let after = body
        .get("searchAfter")
        .map(|sa| (sa[0].as_i64().unwrap(), sa[1].as_str().unwrap().to_string()));
    let mut sorted: Vec<(i64, String)> = contacts
        .iter()
        .map(|(id, ms)| (*ms, id.to_string()))
        .collect();
    sorted.sort();
    let page: Vec<Value> = sorted
        .into_iter()
        .filter(|(ms, _)| gte.is_none_or(|g| *ms >= g))
        .filter(|key| after.as_ref().is_none_or(|a| key > a))
        .take(limit)
        .map(|(ms, id)| {
            let updated = Utc.timestamp_millis_opt(ms).unwrap().to_rfc3339();
            let mut contact = json!({"id": id, "locationId": LOCATION, "dateUpdated": updated});
            if send_search_after {
                contact["searchAfter"] = json!([ms, id]);
            }
            contact
        })
        .collect();
    Reply::json(
        200,
        json!({"contacts": page, "total": contacts.len(), "traceId": "t"}),
    )
}

fn ms(day: u32) -> i64 {
    Utc.with_ymd_and_hms(2024, 1, day, 0, 0, 0)
        .unwrap()
        .timestamp_millis()
}

fn ids(page: &SearchPage) -> Vec<&str> {
    page.contacts
        .iter()
        .map(|c| c.id.as_deref().unwrap())
        .collect()
}

#[tokio::test]
async fn streams_three_pages_with_search_after_lazily() {
    let data = [
        ("c1", ms(1)),
        ("c2", ms(2)),
        ("c3", ms(3)),
        ("c4", ms(4)),
        ("c5", ms(5)),
    ];
    let server =
        MockServer::start(move |request, _| search_server_answer(&data, request, true)).await;
    let client = ghl(&server);
    let since = Utc.with_ymd_and_hms(2023, 12, 31, 0, 0, 0).unwrap();
    let stream = client.search_changed_contacts(ChangedContactsQuery {
        updated_since: Some(since),
        page_limit: 2,
    });
    futures::pin_mut!(stream);

    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(ids(&first), ["c1", "c2"]);
    assert_eq!(first.total, Some(5));
    assert_eq!(
        first.cursor().unwrap(),
        Some(Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap())
    );
    assert_eq!(
        server.requests().len(),
        1,
        "the next page waits until asked for"
    );

    let second = stream.next().await.unwrap().unwrap();
    let third = stream.next().await.unwrap().unwrap();
    assert_eq!(ids(&second), ["c3", "c4"]);
    assert_eq!(ids(&third), ["c5"]);
    assert!(stream.next().await.is_none(), "a short page is the last");

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let sort_and_filter = |body: &Value| {
        assert_eq!(body["locationId"], LOCATION);
        assert_eq!(body["pageLimit"], 2);
        assert_eq!(
            body["sort"],
            json!([{"field": "dateUpdated", "direction": "asc"}])
        );
        assert_eq!(
            body["filters"],
            json!([{"field": "dateUpdated", "operator": "range",
                    "value": {"gte": "2023-12-31T00:00:00.000Z"}}])
        );
        assert!(
            body.get("page").is_none(),
            "page is never sent with searchAfter"
        );
    };
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/contacts/search")
        );
        assert_eq!(request.header("version"), Some("2021-07-28"));
        sort_and_filter(&request.json());
    }
    assert!(requests[0].json().get("searchAfter").is_none());
    assert_eq!(requests[1].json()["searchAfter"], json!([ms(2), "c2"]));
    assert_eq!(requests[2].json()["searchAfter"], json!([ms(4), "c4"]));
}

#[tokio::test]
async fn a_full_search_sends_no_filter_and_ends_on_an_empty_page() {
    let data = [("c1", ms(1)), ("c2", ms(2))];
    let server =
        MockServer::start(move |request, _| search_server_answer(&data, request, true)).await;
    let client = ghl(&server);
    let pages: Vec<SearchPage> = client
        .search_changed_contacts(ChangedContactsQuery {
            updated_since: None,
            page_limit: 2,
        })
        .map(|page| page.unwrap())
        .collect()
        .await;
    assert_eq!(pages.len(), 1, "the empty last page is not handed out");
    assert_eq!(ids(&pages[0]), ["c1", "c2"]);
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "an exact multiple costs one empty request"
    );
    assert!(requests[0].json().get("filters").is_none());
}

#[tokio::test]
async fn without_search_after_it_restarts_from_the_last_date_updated() {
    // c3 and c4 share a dateUpdated across the page boundary.
    let data = [
        ("c1", ms(1)),
        ("c2", ms(2)),
        ("c3", ms(3)),
        ("c4", ms(3)),
        ("c5", ms(4)),
    ];
    let server =
        MockServer::start(move |request, _| search_server_answer(&data, request, false)).await;
    let client = ghl(&server);
    let pages: Vec<SearchPage> = client
        .search_changed_contacts(ChangedContactsQuery {
            updated_since: None,
            page_limit: 3,
        })
        .map(|page| page.unwrap())
        .collect()
        .await;
    let all: Vec<&str> = pages.iter().flat_map(ids).collect();
    assert_eq!(
        all,
        ["c1", "c2", "c3", "c4", "c5"],
        "each contact exactly once"
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let gte = |r: &Recorded| r.json()["filters"][0]["value"]["gte"].clone();
    assert_eq!(gte(&requests[1]), json!("2024-01-03T00:00:00.000Z"));
    assert_eq!(gte(&requests[2]), json!("2024-01-04T00:00:00.000Z"));
    assert!(requests
        .iter()
        .all(|r| r.json().get("searchAfter").is_none()));
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_pages_already_read() {
    let data = [("c1", ms(1)), ("c2", ms(2)), ("c3", ms(3))];
    let server = MockServer::start(move |request, i| {
        if i == 0 {
            search_server_answer(&data, request, true)
        } else {
            Reply::json(
                400,
                json!({"statusCode": 400, "message": "searchAfter is invalid"}),
            )
        }
    })
    .await;
    let client = ghl(&server);
    let results: Vec<_> = client
        .search_changed_contacts(ChangedContactsQuery {
            updated_since: None,
            page_limit: 2,
        })
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    let first = results[0].as_ref().unwrap();
    assert_eq!(ids(first), ["c1", "c2"]);
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert_eq!(
        err.message,
        "search all GHL contacts: GHL answered 400 Bad Request to POST /contacts/search: \
         searchAfter is invalid"
    );
}

#[tokio::test]
async fn page_limit_is_kept_within_ghls_maximum() {
    let server = MockServer::start(|request, _| search_server_answer(&[], request, true)).await;
    let client = ghl(&server);
    let pages: Vec<_> = client
        .search_changed_contacts(ChangedContactsQuery {
            updated_since: None,
            page_limit: 10_000,
        })
        .collect()
        .await;
    assert!(pages.is_empty());
    assert_eq!(server.only_request().json()["pageLimit"], 500);
    assert_eq!(ChangedContactsQuery::default().page_limit, 500);
}
