//! `bridge doctor` on a Connectif connection: OK per capability on a healthy account; with one
//! prerequisite taken away at a time (a key scope, a custom event type, a tag option) the
//! check names the missing piece in one sentence and the doctor exits non-zero; `--fix`
//! creates a missing event type through the API.

use bridge_sandbox::{ConnectifConfig, ConnectifSandbox, GhlConfig, GhlSandbox};
use bridge_tests::ghl_world::{assert_success, connect_ghl};
use bridge_tests::run_bridge_env;
use serde_json::Value;

struct World {
    ghl: GhlSandbox,
    connectif: ConnectifSandbox,
    scratch: tempfile::TempDir,
}

impl World {
    fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = [
            ("T_GHL", self.ghl.private_token()),
            ("T_CONNECTIF", self.connectif.api_key()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    /// The Connectif connection's checks, and whether the doctor succeeded.
    fn checks(&self, extra: &[&str]) -> (Vec<Value>, bool) {
        let mut args = vec!["doctor", "--json", "--connection", "Connectif"];
        args.extend_from_slice(extra);
        let output = self.bridge(&args);
        let reports: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
        (
            reports[0]["checks"].as_array().unwrap().clone(),
            output.status.success(),
        )
    }
}

fn failed(checks: &[Value]) -> Vec<(String, String)> {
    checks
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| {
            (
                c["capability"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

impl World {
    async fn start() -> World {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: 15,
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let connectif = ConnectifSandbox::start(ConnectifConfig {
            contacts: 3,
            ghl_contacts: 15,
            ..ConnectifConfig::default()
        })
        .await
        .unwrap();
        World {
            ghl,
            connectif,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    /// GHL and Connectif connected (tags into the `ghl-tags` checkbox), GHL's contacts and
    /// their tags in the mirror, nothing written anywhere.
    fn connect(&self) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        assert_success(
            "connect connectif",
            &self.bridge(&[
                "connect",
                "connectif",
                "--api-key-env",
                "T_CONNECTIF",
                "--base-url",
                &self.connectif.base_url(),
                "--tags-field",
                "ghl-tags",
                "--export-poll-ms",
                "20",
                "--name",
                "Connectif",
            ]),
        );
        assert_success("pull", &self.bridge(&["pull", "ghl"]));
    }

    fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json", "--max-overwrite", "100"]);
        assert_success("sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_prerequisite_is_proven_and_a_missing_one_is_named() {
    let world = World::start().await;
    let w = &world;
    tokio::task::block_in_place(|| {
        w.connect();
        let (checks, ok) = w.checks(&[]);
        assert!(ok, "a healthy account passes: {checks:#?}");
        let capabilities: Vec<&str> = checks
            .iter()
            .map(|c| c["capability"].as_str().unwrap())
            .collect();
        assert_eq!(
            capabilities,
            [
                "contacts (read)",
                "contacts (write)",
                "exports",
                "event type ghl-task",
                "event type ghl-note",
                "event type ghl-appointment",
                "custom events",
                "tag options",
            ]
        );
        // The text form prints OK per capability.
        let healthy = w.bridge(&["doctor", "--connection", "Connectif"]);
        assert_success("doctor on a healthy account", &healthy);
        let text = String::from_utf8_lossy(&healthy.stdout);
        for capability in &capabilities {
            assert!(text.contains(&format!("OK   {capability}: ")), "{text}");
        }
        // The probes wrote nothing.
        assert!(w.connectif.custom_events().is_empty());
        assert!(w
            .connectif
            .contact("contact-bridge-check@example.invalid")
            .is_none());

        // Each scope of the key taken away in turn: the checks that need it fail, each naming
        // the scope (the field list is read with the contacts, so the tag-option check needs
        // Read Contacts too), and nothing else fails.
        for (scope, capabilities, words) in [
            (
                "contacts:read",
                &["contacts (read)", "tag options"][..],
                "Add the Read Contacts scope",
            ),
            (
                "contacts:write",
                &["contacts (write)"][..],
                "Add the Write Contacts scope",
            ),
            ("exports", &["exports"][..], "Add the Exports scope"),
            (
                "custom-events:write",
                &["custom events"][..],
                "Add the Custom events scope",
            ),
            (
                "custom-integrations",
                &["event types"][..],
                "Add the Custom integrations scope",
            ),
        ] {
            w.connectif.revoke_scope(scope);
            let (checks, ok) = w.checks(&[]);
            assert!(!ok, "a missing {scope} scope fails the doctor");
            let failed = failed(&checks);
            let names: Vec<&str> = failed.iter().map(|(c, _)| c.as_str()).collect();
            assert_eq!(names, capabilities, "without {scope}: {failed:#?}");
            for (_, sentence) in &failed {
                assert!(sentence.starts_with(words), "{sentence}");
                assert_eq!(
                    sentence.matches(". ").count(),
                    0,
                    "one sentence: {sentence}"
                );
            }
            w.connectif.grant_scope(scope);
        }

        // An event type is gone: named; `--fix` creates it through the API.
        w.connectif.remove_event_type("ghl-note");
        let (checks, ok) = w.checks(&[]);
        assert!(!ok);
        let failed_now = failed(&checks);
        assert_eq!(failed_now.len(), 1, "{failed_now:#?}");
        assert_eq!(failed_now[0].0, "event type ghl-note");
        assert!(
            failed_now[0]
                .1
                .starts_with("Create the custom event type ghl-note"),
            "{}",
            failed_now[0].1
        );
        let (checks, ok) = w.checks(&["--fix"]);
        assert!(ok, "--fix repairs it: {checks:#?}");
        assert!(w
            .connectif
            .event_type_aliases()
            .contains(&"ghl-note".to_string()));
        let (_, ok) = w.checks(&[]);
        assert!(ok);

        // A GHL tag the checkbox has no option for is named.
        let (_, tagged) = tagged_contact(w);
        w.connectif.remove_tag_option(&tagged);
        let (checks, ok) = w.checks(&[]);
        assert!(!ok);
        let failed_now = failed(&checks);
        assert_eq!(failed_now.len(), 1, "{failed_now:#?}");
        assert_eq!(failed_now[0].0, "tag options");
        assert!(
            failed_now[0].1.starts_with(&format!(
                "Add '{tagged}' as option of the checkbox ghl-tags"
            )),
            "{}",
            failed_now[0].1
        );
    });
}

/// (email, a tag it carries) of a mirrored GHL contact, as `bridge contacts` lists it.
fn tagged_contact(w: &World) -> (String, String) {
    let output = w.bridge(&["contacts", "--json"]);
    if output.status.success() {
        let contacts: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        if let Some(found) = contacts.as_array().and_then(|list| {
            list.iter().find_map(|c| {
                let tag = c["contact"]["tags"]
                    .as_array()?
                    .first()?
                    .as_str()?
                    .to_string();
                let email = c["contact"]["email"].as_str()?.trim().to_lowercase();
                Some((email, tag))
            })
        }) {
            return found;
        }
    }
    panic!(
        "no tagged contact listed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// #11: while the tag-option check fails, a sync leaves tags out for the pair (naming the
/// check in `refused`), writes the rest of each contact, and makes no dead letter; once the
/// option is back and the check passes, the next sync writes the held-back tags.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_tag_option_check_writes_contacts_without_tags_until_it_passes() {
    let world = World::start().await;
    let w = &world;
    tokio::task::block_in_place(|| {
        w.connect();
        let (email, tag) = tagged_contact(w);
        w.connectif.remove_tag_option(&tag);
        let (_, ok) = w.checks(&[]);
        assert!(!ok, "the tag-option check fails");

        let outcome = w.sync();
        let refused = outcome["refused"].as_array().unwrap();
        assert_eq!(refused.len(), 1, "{outcome:#}");
        assert!(
            refused[0]
                .as_str()
                .unwrap()
                .starts_with("tag options of \"Connectif\" not synced: Add"),
            "{outcome:#}"
        );
        assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
        let written = w.connectif.contact(&email).expect("the contact is written");
        assert!(
            written.get("_name").is_some_and(Value::is_string),
            "{written:?}"
        );
        assert!(
            w.connectif.contact_emails().iter().all(|e| w
                .connectif
                .contact(e)
                .is_some_and(|c| !c.contains_key("ghl-tags"))),
            "no tags are written while the check fails"
        );

        let option = w.connectif.add_tag_option(&tag);
        let (checks, ok) = w.checks(&[]);
        assert!(ok, "{checks:#?}");
        let caught_up = w.sync();
        assert!(
            caught_up["refused"].as_array().unwrap().is_empty(),
            "{caught_up:#}"
        );
        assert_eq!(caught_up["applied"]["dead"], 0, "{caught_up:#}");
        let tags = w.connectif.contact(&email).unwrap()["ghl-tags"].clone();
        assert!(
            tags.as_array()
                .is_some_and(|t| t.iter().any(|id| id == option.as_str())),
            "the held-back tag is written once the check passes: {tags}"
        );
    });
}
