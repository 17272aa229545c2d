//! Nifty as a side of the one pair pipeline ([`crate::pair::Pair`]): it holds no contacts, so
//! the pair skips the contact plan and syncs its tasks as children ([`NiftyTasks`]) and its
//! labels as a per-element set with GHL's tags ([`super::labels`]).

use std::collections::BTreeMap;

use bridge_connectors::http::RequestCounts;
use bridge_core::BridgeError;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::links;
use bridge_store::Store;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;

use super::labels::{LabelReport, LabelSync};
use super::tasks::NiftyTasks;
use crate::app::{AppPage, AppSide, TagRun, TagSets};
use crate::apply::RecordWriter;
use crate::children::AppChildren;
use crate::plan::Values;

pub struct NiftySide {
    connection: ConnectionRow,
    tasks: NiftyTasks,
}

impl NiftySide {
    pub fn new(connection: ConnectionRow, tasks: NiftyTasks) -> Self {
        Self { connection, tasks }
    }
}

fn no_contacts() -> BridgeError {
    BridgeError::internal("Nifty holds no contacts: the pair writes none there")
}

impl RecordWriter for NiftySide {
    fn system(&self) -> &str {
        "Nifty"
    }

    fn create<'a>(&'a self, _values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async { Err(no_contacts()) })
    }

    fn update<'a>(
        &'a self,
        _remote_id: &'a str,
        _changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async { Err(no_contacts()) })
    }

    fn find_created<'a>(
        &'a self,
        _values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async { Ok(None) })
    }
}

impl AppSide for NiftySide {
    fn connection(&self) -> &ConnectionRow {
        &self.connection
    }

    fn counts(&self) -> RequestCounts {
        self.tasks.client().http().counts()
    }

    fn changes(&self, _cursor: Option<String>) -> BoxStream<'_, Result<AppPage, BridgeError>> {
        futures::stream::empty().boxed()
    }

    fn fields(&self) -> BoxFuture<'_, Result<Vec<String>, BridgeError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn holds_contacts(&self) -> bool {
        false
    }

    fn children(&self) -> Option<&dyn AppChildren> {
        Some(&self.tasks)
    }

    fn tag_sets(&self) -> Option<&dyn TagSets> {
        Some(self)
    }
}

impl TagSets for NiftySide {
    /// Merges the labels of every contact with tasks in this run's scan.
    fn merge_tags<'a>(
        &'a self,
        store: &'a mut Store,
        run: TagRun<'a>,
    ) -> BoxFuture<'a, Result<Option<LabelReport>, BridgeError>> {
        Box::pin(async move {
            let mut tasks_by_contact: BTreeMap<String, Vec<(String, Vec<String>)>> =
                BTreeMap::new();
            for (email, task_id, labels) in self.tasks.labelled_tasks()? {
                let Some(link) = links::find_remote(store.conn(), &run.app.id, "contact", &email)?
                else {
                    continue;
                };
                tasks_by_contact
                    .entry(link.contact_id)
                    .or_default()
                    .push((task_id, labels));
            }
            let table = crate::rules::tag_groups_table(store, run.app)?.unwrap_or_default();
            LabelSync {
                ghl: run.ghl,
                ghl_connection: run.ghl_connection,
                nifty: self.tasks.client(),
                app: run.app,
                run_id: run.run_id,
                clock: run.clock,
                breaker: run.breaker,
                table: &table,
            }
            .run(store, &tasks_by_contact)
            .await
            .map(Some)
        })
    }
}
