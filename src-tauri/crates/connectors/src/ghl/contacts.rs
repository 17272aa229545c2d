//! Contact records: get, create, update, delete, upsert, duplicate lookup, list by business.

use bridge_core::{BridgeError, ErrorCode};
use futures::Stream;

use super::wire::{
    ContactEnvelope, ContactFields, ContactListEnvelope, CreateContactBody, DeleteOutcome,
    DuplicateEnvelope, GhlContact, NewContact, UpdateContactEnvelope, UpsertContactBody,
    UpsertContactEnvelope,
};
use super::{check_deleted, require_id, GhlClient};
use crate::http::{paginate, ApiRequest, Fetched};

/// Contacts per page of GET /contacts/business/{id} (the spec documents no maximum; 25 is the
/// default).
pub const BUSINESS_PAGE_LIMIT: u32 = 100;

impl GhlClient {
    /// GET /contacts/{contactId}.
    pub async fn get_contact(&self, contact_id: &str) -> Result<GhlContact, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: ContactEnvelope = self
            .send(
                ApiRequest::get(&["contacts", id])
                    .record_read()
                    .context(format!("get GHL contact {id}")),
            )
            .await?;
        Ok(envelope.contact)
    }

    /// POST /contacts/ (201 `{contact}`). Not retried after a timeout or a 5xx other than 503:
    /// the contact may exist already, so the caller looks it up before sending it again.
    pub async fn create_contact(&self, contact: &NewContact) -> Result<GhlContact, BridgeError> {
        let body = CreateContactBody {
            location_id: self.location_id(),
            contact,
        };
        let envelope: ContactEnvelope = self
            .send(
                ApiRequest::post(&["contacts", ""])
                    .json(&body)?
                    .context(format!("create GHL contact {}", describe_new(contact))),
            )
            .await?;
        Ok(envelope.contact)
    }

    /// PUT /contacts/{contactId} with UpdateContactDto (no locationId, gender or companyName:
    /// GHL rejects them). Returns the updated contact when GHL sends it back.
    pub async fn update_contact(
        &self,
        contact_id: &str,
        fields: &ContactFields,
    ) -> Result<Option<GhlContact>, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: UpdateContactEnvelope = self
            .send(
                ApiRequest::put(&["contacts", id])
                    .json(fields)?
                    .context(format!("update GHL contact {id}")),
            )
            .await?;
        if envelope.succeded == Some(false) {
            return Err(BridgeError::new(
                ErrorCode::Remote,
                format!("update GHL contact {id}: GHL answered that the update did not succeed"),
            ));
        }
        Ok(envelope.contact)
    }

    /// DELETE /contacts/{contactId}.
    pub async fn delete_contact(&self, contact_id: &str) -> Result<(), BridgeError> {
        let id = require_id("contact", contact_id)?;
        let outcome: DeleteOutcome = self
            .send(
                // A missing contact answers 400 (contacts.json documents no 404): "not found".
                ApiRequest::delete(&["contacts", id])
                    .record_read()
                    .context(format!("delete GHL contact {id}")),
            )
            .await?;
        check_deleted(&outcome, || format!("delete GHL contact {id}"))
    }

    /// POST /contacts/upsert: creates the contact or updates the one GHL's duplicate rules
    /// match (the location's email/phone settings). Safe to resend, so it is retried.
    pub async fn upsert_contact(
        &self,
        contact: &NewContact,
        create_new_if_duplicate_allowed: Option<bool>,
    ) -> Result<UpsertContactEnvelope, BridgeError> {
        let body = UpsertContactBody {
            location_id: self.location_id(),
            contact,
            create_new_if_duplicate_allowed,
        };
        self.send(
            ApiRequest::post(&["contacts", "upsert"])
                .json(&body)?
                .idempotent(true)
                .context(format!("upsert GHL contact {}", describe_new(contact))),
        )
        .await
    }

    /// GET /contacts/search/duplicate: the contact GHL's duplicate rules match for this email
    /// and/or phone, if any. Used to find a create whose answer was lost.
    pub async fn find_duplicate(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Option<GhlContact>, BridgeError> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        let phone = phone.map(str::trim).filter(|p| !p.is_empty());
        if email.is_none() && phone.is_none() {
            return Err(BridgeError::invalid_input(
                "GHL duplicate lookup needs an email or a phone number",
            ));
        }
        let mut request = ApiRequest::get(&["contacts", "search", "duplicate"])
            .query("locationId", self.location_id());
        if let Some(phone) = phone {
            request = request.query("number", phone);
        }
        if let Some(email) = email {
            request = request.query("email", email);
        }
        let envelope: DuplicateEnvelope = self
            .send(request.context("look up a GHL duplicate contact"))
            .await?;
        Ok(envelope.contact)
    }

    /// GET /contacts/business/{businessId}, page by page (limit/skip).
    pub fn contacts_of_business(
        &self,
        business_id: &str,
    ) -> impl Stream<Item = Result<Vec<GhlContact>, BridgeError>> + Send + 'static {
        let client = self.clone();
        let business_id = business_id.to_string();
        paginate(0u32, move |skip| {
            let client = client.clone();
            let business_id = business_id.clone();
            async move {
                let id = require_id("business", &business_id)?;
                let envelope: ContactListEnvelope = client
                    .send(
                        ApiRequest::get(&["contacts", "business", id])
                            .query("locationId", client.location_id())
                            .query("limit", BUSINESS_PAGE_LIMIT.to_string())
                            .query("skip", skip.to_string())
                            .context(format!("list the contacts of GHL business {id}")),
                    )
                    .await?;
                let got = u32::try_from(envelope.contacts.len()).unwrap_or(u32::MAX);
                let next = (got >= BUSINESS_PAGE_LIMIT).then(|| skip.saturating_add(got));
                Ok(Fetched {
                    page: envelope.contacts,
                    next,
                })
            }
        })
    }
}

/// Names a contact that has no id yet, for messages: by email, else phone, else name.
fn describe_new(contact: &NewContact) -> String {
    let f = &contact.fields;
    f.email
        .as_deref()
        .or(f.phone.as_deref())
        .or(f.name.as_deref())
        .map(|who| format!("'{who}'"))
        .unwrap_or_else(|| "(no email, phone or name)".into())
}
