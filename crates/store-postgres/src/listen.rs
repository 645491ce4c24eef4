//! `LISTEN` on a connection of its own: what tells a server at once that
//! another process wrote something it waits for (a decision, a cancel, a
//! run parked or woken), instead of asking the database every few
//! milliseconds. The store's triggers `NOTIFY` on those writes.

use crate::conn::config;
use futures::StreamExt;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, NoTls};
use wfc_store_db::location::PgUrl;

/// How long a lost listening connection waits before it connects again.
const AGAIN: Duration = Duration::from_secs(1);

/// Listens on `channel` of the database `url` names, from a thread of its
/// own, for as long as the process runs: `on` is called for each
/// notification, and once each time the connection is (re)made — a
/// notification sent while it was down is lost, so the listener then
/// looks for itself. A database that cannot be reached is tried again
/// every second.
pub fn listen(url: &PgUrl, channel: &str, on: Box<dyn Fn() + Send + Sync>) -> Result<(), String> {
    let config = config(url).map_err(|e| e.to_string())?;
    let listen = format!("LISTEN {}", quote(channel));
    std::thread::Builder::new()
        .name("wfc-store-listen".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return tracing::warn!(error = %e, "cannot listen to the store"),
            };
            rt.block_on(async {
                loop {
                    if let Err(e) = once(&config, &listen, &*on).await {
                        tracing::debug!(error = %e, "the store's listening connection ended");
                    }
                    tokio::time::sleep(AGAIN).await;
                }
            });
        })
        .map(drop)
        .map_err(|e| e.to_string())
}

/// One listening connection, until it fails.
async fn once(
    config: &tokio_postgres::Config,
    listen: &str,
    on: &(dyn Fn() + Send + Sync),
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    // The connection is driven by reading its messages, on a task of its
    // own, while LISTEN is sent on the client.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = messages.next().await {
            if tx.send(m).is_err() {
                return;
            }
        }
    });
    client.batch_execute(listen).await?;
    // Listening from now: whatever came before is looked at.
    on();
    while let Some(m) = rx.recv().await {
        match m {
            Ok(AsyncMessage::Notification(_)) => on(),
            Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    drop(client);
    Ok(())
}

/// `name` as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
