//! `bridge connect …`: add a connection; its secret goes to the keychain (or the CLI's 0600
//! file when no keychain is reachable), never to the database.

use std::sync::Arc;

use bridge_auth::ghl_oauth::{GHL_API_URL, GHL_MARKETPLACE_URL};
use bridge_auth::loopback::print_and_open_browser;
use bridge_auth::{cli_token_store, LoopbackOptions, Sensitive, TokenStore};
use bridge_core::{BridgeError, Clock, SystemClock};
use bridge_sync::connections::{
    connect_connectif, connect_ghl_oauth, connect_ghl_token, connect_nifty_oauth,
    connect_niftyimages, connect_ninox, connect_novi, set_niftyimages_record_ttl, ConnectifConnect,
    GhlOauthConnect, GhlTokenConnect, NiftyImagesConnect, NiftyOauthConnect, NinoxConnect,
    NinoxTarget, NoviConnect,
};
use bridge_sync::service::{default_urls, ConnectionRow, Store};
use clap::{Args, Subcommand};

use crate::Context;

#[derive(Debug, Subcommand)]
pub enum ConnectCommand {
    /// A GHL sub-account: by Private Integration Token (--location-id + --token-env) or by
    /// OAuth in the browser (--oauth + --client-id + --client-secret-env).
    Ghl(GhlArgs),
    /// A Novi AMS tenant by API key.
    Novi {
        /// The tenant's API root, e.g. https://www.myassociation.org/api
        #[arg(long)]
        base_url: String,
        /// The environment variable holding the API key.
        #[arg(long)]
        api_key_env: String,
        /// Requests per second this tenant allows (default 10, within Novi's 20/s and 600/min).
        #[arg(long)]
        rate_per_second: Option<u32>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A Ninox table by API key: the classic API (--team, --database, --table, personal key)
    /// or the workspace API (--workspace, --module, --table, workspace key).
    Ninox(NinoxArgs),
    /// A Connectif account by API key (keyId:keySecret): contacts both ways by email; GHL's
    /// tasks, notes and appointments as custom events (ghl-task, ghl-note, ghl-appointment).
    Connectif {
        /// The environment variable holding keyId:keySecret.
        #[arg(long)]
        api_key_env: String,
        #[arg(long, default_value = "https://api.connectif.cloud")]
        base_url: String,
        /// The checkbox custom field (its id) GHL's tags go to.
        #[arg(long)]
        tags_field: Option<String>,
        /// The first wait between polls of a contacts export, in milliseconds (it doubles up
        /// to 30 s).
        #[arg(long)]
        export_poll_ms: Option<u64>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A NiftyImages Custom Data Store by its API key: mapped GHL fields pushed one way.
    Niftyimages {
        /// The environment variable holding the data store's API key.
        #[arg(long)]
        api_key_env: String,
        #[arg(long, default_value = "https://api.niftyimages.com/v1")]
        base_url: String,
        #[arg(long)]
        name: Option<String>,
        /// The data store's record TTL in seconds, as set in NiftyImages (the API does not
        /// tell it): rows unchanged for most of it are written again. Default: no expiry.
        #[arg(long)]
        record_ttl_seconds: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// A Nifty project by OAuth in the browser (--oauth + --client-id + --client-secret-env):
    /// its tasks sync with the tasks of GHL contacts.
    Nifty(NiftyArgs),
}

#[derive(Debug, Args)]
pub struct NiftyArgs {
    /// Sign in through the browser with your Nifty app (the only way Nifty's API allows).
    #[arg(long, required = true)]
    oauth: bool,
    /// Your Nifty app's client id.
    #[arg(long)]
    client_id: String,
    /// The environment variable holding your Nifty app's client secret.
    #[arg(long)]
    client_secret_env: String,
    /// The API root.
    #[arg(long, default_value = default_urls::NIFTY)]
    base_url: String,
    /// The consent page.
    #[arg(long, default_value = bridge_auth::nifty_oauth::NIFTY_AUTHORIZE_URL)]
    auth_url: String,
    /// The token endpoint.
    #[arg(long, default_value = bridge_auth::nifty_oauth::NIFTY_TOKEN_URL)]
    token_url: String,
    /// The loopback port of the OAuth redirect: Nifty accepts only the redirect URLs
    /// registered in your app, so register http://127.0.0.1:PORT/callback there (default
    /// port 53683, i.e. http://127.0.0.1:53683/callback).
    #[arg(long, default_value_t = bridge_sync::nifty::NIFTY_REDIRECT_PORT)]
    redirect_port: u16,
    /// The project whose tasks sync with GHL (its id).
    #[arg(long)]
    project: String,
    /// The task group (status column) new tasks go to; default: the project's first.
    #[arg(long)]
    task_group: Option<String>,
    /// Requests per second to allow (Nifty publishes no limit; default 10).
    #[arg(long)]
    rate_per_second: Option<u32>,
    /// The connection's name (default: "Nifty <project name>").
    #[arg(long)]
    name: Option<String>,
    /// Print the new connection as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct NinoxArgs {
    /// The environment variable holding the API key.
    #[arg(long)]
    api_key_env: String,
    /// The API root (default https://api.ninox.com/v1 for the classic API, a private cloud's
    /// https://NAME.ninoxdb.de/v1, or https://go.ninox.com for the workspace API).
    #[arg(long)]
    base_url: Option<String>,
    /// Classic API: the team id.
    #[arg(long, conflicts_with_all = ["workspace", "module"], requires = "database")]
    team: Option<String>,
    /// Classic API: the database id.
    #[arg(long, requires = "team")]
    database: Option<String>,
    /// Workspace API: the workspace id.
    #[arg(long, requires = "module")]
    workspace: Option<String>,
    /// Workspace API: the module name.
    #[arg(long, requires = "workspace")]
    module: Option<String>,
    /// The table (classic: its id, e.g. "A"; workspace: its name).
    #[arg(long)]
    table: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    json: bool,
}

impl NinoxArgs {
    fn target(self) -> Result<NinoxTarget, BridgeError> {
        match (self.team, self.database, self.workspace, self.module) {
            (Some(team), Some(database), None, None) => Ok(NinoxTarget::V3 {
                base_url: self
                    .base_url
                    .unwrap_or_else(|| "https://api.ninox.com/v1".into()),
                team,
                database,
                table: self.table,
            }),
            (None, None, Some(workspace), Some(module)) => Ok(NinoxTarget::V4 {
                base_url: self
                    .base_url
                    .unwrap_or_else(|| "https://go.ninox.com".into()),
                workspace,
                module,
                table: self.table,
            }),
            _ => Err(BridgeError::invalid_input(
                "name the table with --team, --database and --table (classic API) or with \
                 --workspace, --module and --table (workspace API)",
            )),
        }
    }
}

#[derive(Debug, Args)]
pub struct GhlArgs {
    /// Sign in through the browser with your marketplace app instead of a token.
    #[arg(long, requires_all = ["client_id", "client_secret_env"], conflicts_with_all = ["location_id", "token_env"])]
    oauth: bool,
    /// The sub-account (location) id, for a Private Integration Token.
    #[arg(long, required_unless_present = "oauth")]
    location_id: Option<String>,
    /// The environment variable holding the Private Integration Token.
    #[arg(long, required_unless_present = "oauth")]
    token_env: Option<String>,
    /// Your marketplace app's client id.
    #[arg(long)]
    client_id: Option<String>,
    /// The environment variable holding your marketplace app's client secret.
    #[arg(long)]
    client_secret_env: Option<String>,
    /// The API host (white-label or sandbox).
    #[arg(long, default_value = GHL_API_URL)]
    base_url: String,
    /// The marketplace host whose /v2/oauth/chooselocation page signs in (white label:
    /// https://marketplace.leadconnectorhq.com), or the full URL of another sign-in page, e.g.
    /// https://marketplace.leadconnectorhq.com/oauth/chooselocation (the older path).
    #[arg(long, default_value = GHL_MARKETPLACE_URL)]
    auth_url: String,
    /// A fixed loopback port for the OAuth redirect, for apps whose redirect URL was
    /// registered with one (http://127.0.0.1:PORT/callback); default: any free port.
    #[arg(long, requires = "oauth", default_value_t = 0)]
    redirect_port: u16,
    /// The connection's name (default: "GHL <location id>").
    #[arg(long)]
    name: Option<String>,
    /// Print the new connection as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(context: &Context, command: ConnectCommand) -> Result<(), BridgeError> {
    let args = match command {
        ConnectCommand::Ghl(args) => args,
        ConnectCommand::Novi {
            base_url,
            api_key_env,
            rate_per_second,
            name,
            json,
        } => {
            let store = Store::open(&context.db_path)?;
            let connection = connect_novi(
                &store,
                token_store(context),
                &SystemClock,
                NoviConnect {
                    name,
                    base_url,
                    api_key: secret_from_env(&api_key_env)?,
                    requests_per_second: rate_per_second,
                },
            )
            .await?;
            return report(&connection, json);
        }
        ConnectCommand::Connectif {
            api_key_env,
            base_url,
            tags_field,
            export_poll_ms,
            name,
            json,
        } => {
            let store = Store::open(&context.db_path)?;
            let connection = connect_connectif(
                &store,
                token_store(context),
                &SystemClock,
                ConnectifConnect {
                    name,
                    base_url,
                    api_key: secret_from_env(&api_key_env)?,
                    tags_field,
                    export_poll_ms,
                },
            )
            .await?;
            return report(&connection, json);
        }
        ConnectCommand::Niftyimages {
            api_key_env,
            base_url,
            name,
            record_ttl_seconds,
            json,
        } => {
            let store = Store::open(&context.db_path)?;
            let connection = connect_niftyimages(
                &store,
                token_store(context),
                &SystemClock,
                NiftyImagesConnect {
                    name,
                    base_url,
                    api_key: secret_from_env(&api_key_env)?,
                },
            )
            .await?;
            if record_ttl_seconds.is_some() {
                set_niftyimages_record_ttl(&store, &connection, record_ttl_seconds, &SystemClock)?;
            }
            return report(&connection, json);
        }
        ConnectCommand::Nifty(args) => {
            let store = Store::open(&context.db_path)?;
            let connection = connect_nifty_oauth(
                &store,
                token_store(context),
                Arc::new(SystemClock),
                NiftyOauthConnect {
                    name: args.name,
                    base_url: args.base_url,
                    auth_url: args.auth_url,
                    token_url: args.token_url,
                    client_id: args.client_id,
                    client_secret: secret_from_env(&args.client_secret_env)?,
                    project_id: args.project,
                    task_group_id: args.task_group,
                    requests_per_second: args.rate_per_second,
                    loopback: LoopbackOptions {
                        port: args.redirect_port,
                        ..LoopbackOptions::default()
                    },
                },
                |url| {
                    eprintln!("Sign in to Nifty in your browser and approve Contact Bridge.");
                    print_and_open_browser(url)
                },
            )
            .await?;
            return report(&connection, args.json);
        }
        ConnectCommand::Ninox(args) => {
            let store = Store::open(&context.db_path)?;
            let (name, json) = (args.name.clone(), args.json);
            let api_key = secret_from_env(&args.api_key_env)?;
            let connection = connect_ninox(
                &store,
                token_store(context),
                &SystemClock,
                NinoxConnect {
                    name,
                    api_key,
                    target: args.target()?,
                },
            )
            .await?;
            return report(&connection, json);
        }
    };
    let store = Store::open(&context.db_path)?;
    let tokens = token_store(context);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let connection = if args.oauth {
        let (Some(client_id), Some(secret_env)) = (args.client_id, args.client_secret_env) else {
            return Err(BridgeError::invalid_input(
                "--oauth needs --client-id and --client-secret-env",
            ));
        };
        connect_ghl_oauth(
            &store,
            tokens,
            clock,
            GhlOauthConnect {
                name: args.name,
                base_url: args.base_url,
                auth_url: args.auth_url,
                client_id,
                client_secret: secret_from_env(&secret_env)?,
                loopback: LoopbackOptions {
                    port: args.redirect_port,
                    ..LoopbackOptions::default()
                },
            },
            |url| {
                eprintln!("Sign in to GHL in your browser and approve Contact Bridge.");
                print_and_open_browser(url)
            },
        )
        .await?
    } else {
        let (Some(location_id), Some(token_env)) = (args.location_id, args.token_env) else {
            return Err(BridgeError::invalid_input(
                "a token connection needs --location-id and --token-env",
            ));
        };
        connect_ghl_token(
            &store,
            tokens,
            clock.as_ref(),
            GhlTokenConnect {
                name: args.name,
                location_id,
                base_url: args.base_url,
                token: secret_from_env(&token_env)?,
            },
        )
        .await?
    };
    report(&connection, args.json)
}

fn report(connection: &ConnectionRow, json: bool) -> Result<(), BridgeError> {
    if json {
        return crate::output::print_json(connection);
    }
    crate::output::line(&format!(
        "Connected {} ({}) as \"{}\".",
        connection.system.display_name(),
        connection.account_id,
        connection.name
    ))?;
    for capability in bridge_sync::app::capabilities(connection.system) {
        let how = match capability.flow {
            bridge_sync::app::Flow::Both => "both ways",
            bridge_sync::app::Flow::ToApp => "GHL → app",
            bridge_sync::app::Flow::ToGhl => "app → GHL",
            bridge_sync::app::Flow::None => "not synced",
        };
        crate::output::line(&format!(
            "  {:<13} {how:<10} {}",
            capability.object, capability.note
        ))?;
    }
    Ok(())
}

/// Chooses where the CLI keeps secrets: `BRIDGE_SECRET_STORE=keychain` (the OS keychain,
/// no fallback), `file` (a 0600 file beside the database — for servers and cron jobs without
/// a desktop session), or unset: the keychain when one answers, else the file, announced once
/// on stderr.
pub fn token_store(context: &Context) -> Arc<dyn TokenStore> {
    let file =
        || bridge_auth::FileStore::new(crate::db_dir(context).join(bridge_auth::SECRETS_FILE_NAME));
    match std::env::var(SECRET_STORE_ENV).ok().as_deref() {
        Some("file") => Arc::new(file()),
        Some("keychain") => Arc::new(bridge_auth::KeychainStore::new()),
        _ => {
            let (store, notice) = cli_token_store(crate::db_dir(context));
            if let Some(notice) = notice {
                eprintln!("{notice}");
            }
            Arc::from(store)
        }
    }
}

/// Overrides where the CLI keeps secrets (see [`token_store`]).
pub const SECRET_STORE_ENV: &str = "BRIDGE_SECRET_STORE";

fn secret_from_env(var: &str) -> Result<Sensitive<String>, BridgeError> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Ok(Sensitive::new(value)),
        Ok(_) => Err(BridgeError::invalid_input(format!(
            "the environment variable {var} is empty"
        ))),
        Err(_) => Err(BridgeError::invalid_input(format!(
            "the environment variable {var} is not set"
        ))),
    }
}
