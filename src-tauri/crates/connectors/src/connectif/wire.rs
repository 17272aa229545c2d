//! Connectif's JSON shapes. Built-in contact fields start with `_`; custom fields go by their id.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A contact as `GET`/`PATCH /contacts/{email}` answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectifContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "_email")]
    pub email: String,
    #[serde(rename = "_name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "_surname", default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(
        rename = "_mobilePhone",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mobile_phone: Option<String>,
    #[serde(
        rename = "_createdAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<String>,
    #[serde(
        rename = "_updatedAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<String>,
    /// Every other field (statuses, points, custom fields by id), as Connectif sent it.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The body of `PATCH /contacts/{email}`: only what is set is sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContactPatch {
    #[serde(rename = "_name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "_surname", skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// International format, e.g. "+34600111222".
    #[serde(rename = "_mobilePhone", skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// ISO 8601.
    #[serde(rename = "_birthdate", skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// active, bounced, paused or banned.
    #[serde(rename = "_emailStatus", skip_serializing_if = "Option::is_none")]
    pub email_status: Option<String>,
    /// subscribed, unsubscribed or none.
    #[serde(
        rename = "_newsletterSubscriptionStatus",
        skip_serializing_if = "Option::is_none"
    )]
    pub newsletter_subscription_status: Option<String>,
    #[serde(
        rename = "_smsSubscriptionStatus",
        skip_serializing_if = "Option::is_none"
    )]
    pub sms_subscription_status: Option<String>,
    #[serde(rename = "_points", skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// Custom fields by id: a string for text/email/date/radio/phone, a boolean, a number, or
    /// a list of strings for checkbox fields.
    #[serde(flatten)]
    pub custom: Map<String, Value>,
}

impl ContactPatch {
    /// Sets a checkbox custom field: Connectif takes the checked options as a list of strings.
    pub fn set_checkbox(&mut self, field_id: &str, checked: &[String]) {
        self.custom
            .insert(field_id.to_string(), Value::from(checked.to_vec()));
    }
}

/// An export job: `POST /exports/` and `GET /exports/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportJob {
    pub id: String,
    /// e.g. "pending", "in-progress", "finished", "error".
    pub status: String,
    #[serde(default)]
    pub progress: Option<u64>,
    #[serde(default)]
    pub total: Option<u64>,
    /// Set once the job is finished; a new one on every read, valid 100 minutes.
    #[serde(rename = "fileUrl", default)]
    pub file_url: Option<String>,
}
