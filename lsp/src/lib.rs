//! `wfc-lsp`: the language server for `.wf` workflow files.
//!
//! A thin adapter between the Language Server Protocol (tower-lsp, over
//! stdio or any byte stream) and the language crate's editor features
//! ([`wfc_language::ide::Doc`]): it keeps the open documents (full-document
//! sync), reanalyses them after a short debounce — each with the files it
//! imports, read from the open buffers before the disk ([`workspace`]),
//! one analysis per document at a time, the newest text winning —
//! publishes diagnostics (the imported files' on their own URIs),
//! answers requests from the last finished analysis, and converts the
//! answers to protocol types — byte offsets to UTF-16 positions ([`lines`])
//! — at the edge. It never panics on behalf of a query (a panicking one
//! becomes an empty answer) and never blocks the message loop on a slow
//! analysis (analyses run on the blocking pool).
//!
//! The language knowledge lives in `wfc_language::ide`, which answers in
//! plain values and knows nothing of the protocol; the protocol lives here.
//! Users get the server from the `wfc` binary (`wfc lsp`), which calls
//! [`serve_stdio`].

pub mod client;
mod convert;
mod documents;
mod frames;
mod imports;
pub mod lines;
mod server;
mod tokens;
pub mod workspace;

pub use server::{Backend, Options};

use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp::{LspService, Server};

/// Serves the protocol on `input`/`output` until the client exits.
pub async fn serve<I, O>(options: Options, input: I, output: O)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite,
{
    let input = frames::checked(input);
    let (service, socket) = LspService::new(move |client| Backend::new(client, options.clone()));
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
pub fn serve_stdio() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(serve(
        Options::default(),
        tokio::io::stdin(),
        tokio::io::stdout(),
    ));
    // Reading stdin occupies a blocking thread that only returns when the
    // client closes the pipe; after `exit` the process must not wait for it.
    rt.shutdown_background();
    Ok(())
}
