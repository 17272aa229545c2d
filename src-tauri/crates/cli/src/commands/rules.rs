//! `bridge rules`: the operator's switchable workflows of each pair (welcome note, summary
//! note, follow-up task), each off until switched on.

use bridge_core::{BridgeError, SystemClock};
use bridge_sync::service::{self, RuleView, Store};
use clap::Subcommand;

use crate::output::{line, print_json};
use crate::Context;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// The pair's rules: on or off, and their settings.
    List {
        /// The app connection's name.
        pair: String,
        #[arg(long)]
        json: bool,
    },
    /// Switch a rule on: from the next sync it writes (each write is in the plan, "by rule: …").
    Enable { pair: String, rule: String },
    /// Switch a rule off (what it wrote stays).
    Disable { pair: String, rule: String },
    /// Replace a rule's settings, as JSON. Welcome:
    /// '{"starterTasks":[{"title":"Introductory call","dueInDays":2}],"note":"Welcome, {firstName}!"}'
    /// (the note may hold {firstName}, {lastName}, {email} and {app}). Summary: '{}'.
    /// Follow-up (Connectif only): '{"kinds":["open","click"],"customEvents":["webinar-attended"],"dueInDays":1}'.
    Set {
        pair: String,
        rule: String,
        settings: String,
    },
}

pub fn run(context: &Context, command: RulesCommand) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    match command {
        RulesCommand::List { pair, json } => {
            let rules = service::rules(&store, &pair)?;
            if json {
                return print_json(&rules);
            }
            for rule in &rules {
                show(rule)?;
            }
            Ok(())
        }
        RulesCommand::Enable { pair, rule } => show(&service::switch_rule(
            &store,
            &pair,
            &rule,
            true,
            &SystemClock,
        )?),
        RulesCommand::Disable { pair, rule } => show(&service::switch_rule(
            &store,
            &pair,
            &rule,
            false,
            &SystemClock,
        )?),
        RulesCommand::Set {
            pair,
            rule,
            settings,
        } => show(&service::set_rule(
            &store,
            &pair,
            &rule,
            &settings,
            &SystemClock,
        )?),
    }
}

fn show(rule: &RuleView) -> Result<(), BridgeError> {
    line(&format!(
        "{:<8} {:<4} {}: {}\n         settings: {}",
        rule.name.as_str(),
        if rule.enabled { "on" } else { "off" },
        rule.label,
        rule.description,
        rule.config
    ))
}
