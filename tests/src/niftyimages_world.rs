//! A GHL location and a NiftyImages data store connected through the `bridge` binary, for the
//! NiftyImages tests (niftyimages_fidelity.rs, doctor_niftyimages.rs).

use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NiftyImagesConfig, NiftyImagesSandbox};
use serde_json::{json, Value};

use crate::ghl_world::{assert_success, connect_ghl};
use crate::run_bridge_env;

pub const STORE: &str = "NiftyImages data store";

pub struct World {
    pub ghl: GhlSandbox,
    pub store: NiftyImagesSandbox,
    pub scratch: tempfile::TempDir,
}

impl World {
    pub async fn start(contacts: usize, record_ttl: Option<Duration>) -> World {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let store = NiftyImagesSandbox::start(NiftyImagesConfig {
            ghl_contacts: contacts,
            ghl_overlap: 0.0,
            record_ttl,
            ..NiftyImagesConfig::default()
        })
        .await
        .unwrap();
        World {
            ghl,
            store,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    pub fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = [
            ("T_GHL", self.ghl.private_token()),
            ("T_NI", self.store.api_key()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    pub fn connect(&self, extra: &[&str]) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        let url = self.store.base_url();
        let mut args = vec![
            "connect",
            "niftyimages",
            "--api-key-env",
            "T_NI",
            "--base-url",
            &url,
        ];
        args.extend_from_slice(extra);
        assert_success("connect niftyimages", &self.bridge(&args));
    }

    pub fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }

    /// Adds `nextAppointment → next_appointment` (a DATE field) to the stored mapping.
    pub fn map_next_appointment(&self) {
        let shown = self.bridge(&["mapping", "show", "--connection", STORE]);
        assert_success("mapping show", &shown);
        let mut mapping: Value = serde_json::from_slice(&shown.stdout).unwrap();
        let fields = mapping["fields"].as_array_mut().unwrap();
        let mut line = fields
            .iter()
            .find(|l| l["app"] == "first_name")
            .unwrap()
            .clone();
        line["ghl"] = json!("nextAppointment");
        line["app"] = json!("next_appointment");
        line["transforms"] = json!([]);
        fields.push(line);
        let file = self.scratch.path().join("mapping.json");
        std::fs::write(&file, mapping.to_string()).unwrap();
        let imported = self.bridge(&[
            "mapping",
            "import",
            "--connection",
            STORE,
            file.to_str().unwrap(),
        ]);
        assert_success("mapping import", &imported);
    }
}
