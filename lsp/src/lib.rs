//! `wfc-lsp`: the language server for `.wf` workflow files.
//!
//! A thin adapter between the Language Server Protocol (tower-lsp, over
//! stdio or any byte stream) and a language [`Engine`]: it keeps the open
//! documents (full-document sync), reanalyses them after a short debounce,
//! publishes diagnostics, answers requests, and converts byte offsets to
//! UTF-16 positions at the edge ([`lines`]). It never panics on behalf of the
//! engine (a panicking query becomes an empty answer) and never blocks the
//! message loop on a slow analysis (analyses run on the blocking pool).
//!
//! # Why the server does not depend on the compiler
//!
//! Users get the server from the `wfc` binary (`wfc lsp`), so one
//! `cargo install` gives them both. That makes `wfc` depend on this package,
//! and Cargo forbids the cycle `wfc-lsp → wfc → wfc-lsp`. So this package
//! defines a small trait, [`Engine`] / [`Analysis`], in neutral types (byte
//! offsets, strings, enums — no `lsp_types`), and the compiler implements it
//! in `wfc::ide`, a pure engine over the same analysis as `wfc check`. The
//! protocol lives here; the language knowledge lives there. Each side can be
//! tested alone: this crate's tests drive the server with a stub engine; the
//! `wfc` tests drive the real engine directly and through this server.

pub mod client;
mod convert;
pub mod engine;
pub mod lines;
mod server;

pub use engine::*;
pub use server::{Backend, Options};

use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp::{LspService, Server};

/// Serves the protocol on `input`/`output` until the client exits.
pub async fn serve<E, I, O>(engine: E, options: Options, input: I, output: O)
where
    E: Engine,
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let engine = Arc::new(engine);
    let (service, socket) =
        LspService::new(move |client| Backend::new(client, engine.clone(), options.clone()));
    let exit = Arc::new(tokio::sync::Notify::new());
    let service = ExitWatch {
        inner: service,
        exit: exit.clone(),
    };
    // tower-lsp notices `exit` only when the next message arrives; stop at once.
    tokio::select! {
        () = Server::new(input, output, socket).serve(service) => {}
        () = exit.notified() => {}
    }
}

/// Passes requests through, and signals when the client sends `exit`.
struct ExitWatch<S> {
    inner: S,
    exit: Arc<tokio::sync::Notify>,
}

impl<S> tower::Service<tower_lsp::jsonrpc::Request> for ExitWatch<S>
where
    S: tower::Service<tower_lsp::jsonrpc::Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: tower_lsp::jsonrpc::Request) -> S::Future {
        let exit = req.method() == "exit";
        let future = self.inner.call(req);
        if exit {
            self.exit.notify_one();
        }
        future
    }
}

/// Serves the protocol on standard input and output (what `wfc lsp` runs).
/// Builds its own runtime; returns when the client exits.
pub fn serve_stdio<E: Engine>(engine: E) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(serve(
        engine,
        Options::default(),
        tokio::io::stdin(),
        tokio::io::stdout(),
    ));
    // Reading stdin occupies a blocking thread that only returns when the
    // client closes the pipe; after `exit` the process must not wait for it.
    rt.shutdown_background();
    Ok(())
}
