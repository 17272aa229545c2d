use std::collections::HashSet;

use bridge_sandbox::GhlConfig;
use serde_json::{json, Value};

use crate::common::{search, start_with, Api};

/// Every seeded contact, minus the times (which follow the day the fake started).
async fn contacts(seed: u64) -> (String, Vec<Value>) {
    let ghl = start_with(GhlConfig {
        seed_contacts: 40,
        seed,
        ..GhlConfig::default()
    })
    .await;
    let api = Api::new(&ghl);
    let answer = search(&api, &ghl.location_id(), json!({"pageLimit": 100})).await;
    let mut list: Vec<Value> = answer["contacts"].as_array().unwrap().clone();
    for contact in &mut list {
        let map = contact.as_object_mut().unwrap();
        for key in ["dateAdded", "dateUpdated", "searchAfter"] {
            map.remove(key);
        }
    }
    list.sort_by_key(|c| c["id"].as_str().unwrap_or_default().to_string());
    (ghl.location_id(), list)
}

#[tokio::test]
async fn same_seed_same_data_over_http() {
    let (location_a, first) = contacts(7).await;
    let (location_b, second) = contacts(7).await;
    assert_eq!(location_a, location_b);
    assert_eq!(first.len(), 40);
    assert_eq!(first, second);
    let (location_c, other) = contacts(8).await;
    assert_ne!(location_a, location_c);
    let ids: HashSet<_> = first.iter().map(|c| c["id"].clone()).collect();
    assert!(other.iter().all(|c| !ids.contains(&c["id"])));
}

#[tokio::test]
async fn stats_count_what_a_client_spent() {
    let ghl = start_with(GhlConfig {
        seed_contacts: 12,
        ..GhlConfig::default()
    })
    .await;
    let api = Api::new(&ghl);
    let page = search(&api, &ghl.location_id(), json!({"pageLimit": 12})).await;
    for contact in page["contacts"].as_array().unwrap() {
        let id = contact["id"].as_str().unwrap();
        api.get(&format!("/contacts/{id}/notes"))
            .send()
            .await
            .unwrap();
    }
    let stats = ghl.stats();
    assert_eq!(stats.total, 13);
    assert_eq!(stats.count("POST", "/contacts/search"), 1);
    assert_eq!(stats.count("GET", "/contacts/{contactId}/notes"), 12);
    assert_eq!(stats.rate_limited, 0);
}
