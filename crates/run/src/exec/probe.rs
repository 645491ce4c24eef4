//! Whether what a step needs answers, asked the way the step's executor
//! asks it: the Docker engine, a `sql` step's database, an `email` step's
//! SMTP server. For `wfc doctor` (`wfc check --level paranoid`); each
//! caller bounds the wait itself.

use std::path::Path;

/// Pings the Docker engine a `docker` step would use (`DOCKER_HOST`, else
/// the default socket); `Err` says which address and why.
pub async fn docker_engine() -> Result<(), String> {
    let address = super::docker::engine_address_or(None);
    let docker = bollard::Docker::connect_with_host(&address)
        .map_err(|e| format!("cannot reach the Docker engine at {address}: {e}"))?;
    docker
        .ping()
        .await
        .map(drop)
        .map_err(|e| format!("the Docker engine at {address} does not answer: {e}"))
}

/// Opens (SQLite) or connects to (PostgreSQL) `database`; a relative
/// SQLite path is in `base`.
pub async fn database(database: &str, base: Option<&Path>) -> Result<(), String> {
    super::sql::reachable(database, base).await
}

/// Asks the SMTP server of an `smtp` URL for a `NOOP`.
pub async fn smtp(url: &str) -> Result<(), String> {
    super::email::answers(url).await
}
