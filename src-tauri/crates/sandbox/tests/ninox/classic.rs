use std::collections::HashSet;

use bridge_sandbox::{FaultConfig, NinoxConfig};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{http, send, small, start, table_url};

#[tokio::test]
async fn bearer_personal_key_and_the_team_database_table_walk() {
    let ninox = start(small()).await;
    let client = http();
    let key = ninox.api_key();
    let (status, _) = send(client.get(format!("{}/teams", ninox.base_url_v3()))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        client
            .get(format!("{}/teams", ninox.base_url_v3()))
            .bearer_auth(ninox.workspace_api_key()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the v4 workspace key is not a personal key"
    );
    let (status, teams) = send(
        client
            .get(format!("{}/teams", ninox.base_url_v3()))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(teams[0]["id"], ninox.team_id().as_str());
    let dbs_url = format!(
        "{}/teams/{}/databases",
        ninox.base_url_v3(),
        ninox.team_id()
    );
    let (_, dbs) = send(client.get(&dbs_url).bearer_auth(&key)).await;
    assert_eq!(dbs[0]["name"], "CRM");
    let (_, schema) = send(
        client
            .get(format!("{dbs_url}/{}", ninox.database_id()))
            .bearer_auth(&key),
    )
    .await;
    let table = &schema["schema"]["types"]["A"];
    assert_eq!(table["caption"], "Contacts");
    assert_eq!(table["fields"]["E"]["base"], "multi");
    assert_eq!(table["fields"]["F"]["base"], "appointment");
    let (_, tables) = send(
        client
            .get(format!("{dbs_url}/{}/tables", ninox.database_id()))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(tables[0]["id"], "A");
    let (status, _) = send(
        client
            .get(format!("{dbs_url}/nope/tables"))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_with_fields_and_update_with_id_and_fields() {
    let ninox = start(small()).await;
    let client = http();
    let url = format!("{}/records", table_url(&ninox));
    let key = ninox.api_key();
    let (status, created) = send(client.post(&url).bearer_auth(&key).json(&json!([
        {"fields": {"First name": "Ada", "Last name": "Lovelace", "Email": "ada@example.org", "Tags": ["vip"]}}
    ])))
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let record = &created[0];
    let id = record["id"].as_u64().unwrap();
    let first_sq = record["sequence"].as_u64().unwrap();
    assert_eq!(record["fields"]["First name"], "Ada");
    assert_eq!(record["fields"]["Tags"], json!(["vip"]));
    for key in ["createdBy", "modifiedBy"] {
        assert!(record[key].is_string(), "{key} in {record}");
    }
    // docs.ninox.com "Common attributes": `YYYY-MM-DDThh:mm:ss`, UTC, no zone.
    for key in ["createdAt", "modifiedAt"] {
        let text = record[key].as_str().unwrap();
        assert!(
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").is_ok(),
            "{key} = {text}"
        );
    }
    let (status, updated) = send(client.post(&url).bearer_auth(&key).json(&json!([
        {"id": id, "fields": {"Notes": "Met at the expo", "Tags": ["vip", "lead"]}}
    ])))
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated[0]["id"].as_u64(), Some(id));
    assert!(updated[0]["sequence"].as_u64().unwrap() > first_sq);
    assert_eq!(
        updated[0]["fields"]["First name"], "Ada",
        "update keeps other fields"
    );
    assert_eq!(updated[0]["fields"]["Notes"], "Met at the expo");
    let (_, one) = send(client.get(format!("{url}/{id}")).bearer_auth(&key)).await;
    assert_eq!(one["fields"]["Tags"], json!(["vip", "lead"]));
    let (_, by_ids) = send(
        client
            .get(format!("{url}?style=ids&sinceId={}", id - 1))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(by_ids[0]["fields"]["A"], "Ada");
    let (status, _) = send(
        client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!([{"fields": {"Nope": 1}}])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(
        client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!([{"id": 999_999, "fields": {}}])),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(client.delete(format!("{url}/{id}")).bearer_auth(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(client.get(format!("{url}/{id}")).bearer_auth(&key)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn since_sq_returns_only_later_changes() {
    let ninox = start(small()).await;
    let client = http();
    let url = format!("{}/records", table_url(&ninox));
    let key = ninox.api_key();
    let (_, latest) = send(
        client
            .get(format!("{url}?updated=true&perPage=1"))
            .bearer_auth(&key),
    )
    .await;
    let mark = latest[0]["sequence"].as_u64().unwrap();
    let (_, nothing) = send(
        client
            .get(format!("{url}?sinceSq={mark}"))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(nothing.as_array().unwrap().len(), 0);
    let (_, all) = send(client.get(format!("{url}?perPage=1000")).bearer_auth(&key)).await;
    let old_id = all[0]["id"].as_u64().unwrap();
    send(
        client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!([{"id": old_id, "fields": {"Phone": "+15125550000"}}])),
    )
    .await;
    send(
        client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!([{"fields": {"First name": "New"}}])),
    )
    .await;
    let (status, changed) = send(
        client
            .get(format!("{url}?sinceSq={mark}"))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let changed = changed.as_array().unwrap();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed
        .iter()
        .all(|r| r["sequence"].as_u64().unwrap() > mark));
    let ids: HashSet<u64> = changed.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert!(ids.contains(&old_id));
}

#[tokio::test]
async fn pages_are_zero_based_and_records_overlap_ghl_by_email() {
    let ninox = start(small()).await;
    let client = http();
    let url = format!("{}/records", table_url(&ninox));
    let key = ninox.api_key();
    let mut seen = HashSet::new();
    for page in 0.. {
        let (status, records) = send(
            client
                .get(format!("{url}?page={page}&perPage=4"))
                .bearer_auth(&key),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let records = records.as_array().unwrap().clone();
        if records.is_empty() {
            break;
        }
        for r in records {
            assert!(seen.insert(r["id"].as_u64().unwrap()));
        }
    }
    assert_eq!(seen.len(), ninox.record_emails().len());
    let (status, _) = send(client.get(format!("{url}?perPage=0")).bearer_auth(&key)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Same GHL seed → some of the same people.
    let ghl_emails: HashSet<String> = bridge_sandbox::seed::contacts(
        &bridge_sandbox::seed::world(42, 20).locations[0],
        &bridge_sandbox::seed::world(42, 20).users,
        chrono::Utc::now(),
    )
    .map(|c| c.email)
    .collect();
    let shared = ninox
        .record_emails()
        .iter()
        .filter(|e| ghl_emails.contains(*e))
        .count();
    assert!((4..=16).contains(&shared), "about half of 20: {shared}");
    let (_, filtered) = send(
        client
            .get(&url)
            .query(&[(
                "filters",
                json!({"Email": ninox.record_emails()[0]}).to_string(),
            )])
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn parallel_load_gets_429_and_faults_apply() {
    let ninox = start(NinoxConfig {
        faults: FaultConfig {
            latency: std::time::Duration::from_millis(300),
            ..FaultConfig::none()
        },
        ..small()
    })
    .await;
    let client = http();
    let url = format!("{}/records", table_url(&ninox));
    let key = ninox.api_key();
    let calls = (0..12).map(|_| client.get(&url).bearer_auth(&key).send());
    let answers = futures_join(calls).await;
    let limited = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(
        limited >= 1 && (1..=5).contains(&ok),
        "ok {ok}, limited {limited}"
    );
    // One at a time is always fine.
    ninox.set_faults(FaultConfig::none());
    let (status, _) = send(client.get(&url).bearer_auth(&key)).await;
    assert_eq!(status, StatusCode::OK);
    ninox.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::none()
    });
    let (status, _) = send(client.get(&url).bearer_auth(&key)).await;
    assert!(status.is_server_error());
    assert_eq!(ninox.stats().faults_injected, 1);
    assert!(ninox.stats().rate_limited >= 1);
}

async fn futures_join<F>(calls: impl Iterator<Item = F>) -> Vec<StatusCode>
where
    F: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap().unwrap().status());
    }
    out
}

/// Appointments on v3 are `start - end` in UTC without a zone, read and written; v4's interval
/// form is refused on v3, and the same record reads in v4's form through the Ninox 4 API.
#[tokio::test]
async fn appointments_take_the_documented_v3_form() {
    let ninox = start(small()).await;
    let client = http();
    let url = format!("{}/records", table_url(&ninox));
    let key = ninox.api_key();
    let (status, created) = send(client.post(&url).bearer_auth(&key).json(&json!([
        {"fields": {"Email": "ada@example.org",
                    "Next appointment": "2021-01-23T12:30:00 - 2021-01-23T13:30:00"}}
    ])))
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        created[0]["fields"]["Next appointment"],
        "2021-01-23T12:30:00 - 2021-01-23T13:30:00"
    );
    let (status, refused) = send(client.post(&url).bearer_auth(&key).json(&json!([
        {"fields": {"Next appointment": "[2021-01-23T12:30:00Z,2021-01-23T13:30:00Z)"}}
    ])))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let id = created[0]["id"].as_u64().unwrap();
    let four = format!(
        "{}/api/v1/workspace/{}/modules/{}/tables/{}/records",
        ninox.base_url_v4(),
        ninox.workspace_id(),
        ninox.module_name(),
        ninox.table_name()
    );
    let (_, rows) = send(client.get(&four).bearer_auth(ninox.workspace_api_key())).await;
    let row = rows["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(id.to_string()))
        .unwrap();
    assert_eq!(
        row["values"]["next_appointment"],
        "[2021-01-23T12:30:00Z,2021-01-23T13:30:00Z)"
    );
}
