//! A minimal LSP client over a byte stream, for tests and benchmarks.
//!
//! It frames JSON-RPC messages (`Content-Length` headers), matches responses
//! to requests by id, and queues notifications (such as
//! `textDocument/publishDiagnostics`) until they are asked for.
//! [`in_memory`] starts a server on an in-memory duplex stream.

use crate::{serve, Options};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

pub struct Client<R, W> {
    reader: BufReader<R>,
    writer: W,
    next_id: i64,
    queue: VecDeque<Value>,
}

/// A server on an in-memory stream (spawned on the current runtime) and a client for it.
pub fn in_memory(
    options: Options,
) -> Client<
    tokio::io::ReadHalf<tokio::io::DuplexStream>,
    tokio::io::WriteHalf<tokio::io::DuplexStream>,
> {
    let (client_end, server_end) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server_end);
    tokio::spawn(serve(options, server_read, server_write));
    let (read, write) = tokio::io::split(client_end);
    Client::new(read, write)
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> Client<R, W> {
    pub fn new(reader: R, writer: W) -> Client<R, W> {
        Client {
            reader: BufReader::new(reader),
            writer,
            next_id: 1,
            queue: VecDeque::new(),
        }
    }

    pub async fn send(&mut self, msg: &Value) -> std::io::Result<()> {
        let body = msg.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await?;
        self.writer.flush().await
    }

    /// The next message from the server; `None` at the end of the stream.
    pub async fn read(&mut self) -> Option<Value> {
        let mut len = None;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).await.ok()? == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                len = v.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; len?];
        self.reader.read_exact(&mut body).await.ok()?;
        serde_json::from_slice(&body).ok()
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        let mut msg = json!({"jsonrpc": "2.0", "method": method});
        if !params.is_null() {
            msg["params"] = params;
        }
        self.send(&msg).await.expect("server is listening");
    }

    /// Sends a request and waits for its response: `Ok(result)` or `Err(error)`.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            msg["params"] = params;
        }
        self.send(&msg).await.expect("server is listening");
        loop {
            let m = self.read().await.expect("server closed the stream");
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return match m.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(m.get("result").cloned().unwrap_or(Value::Null)),
                };
            }
            self.queue.push_back(m);
        }
    }

    /// The next notification `method` whose params satisfy `pred`, within `timeout`.
    pub async fn notification(
        &mut self,
        method: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let matches = |m: &Value| m.get("method") == Some(&json!(method)) && pred(&m["params"]);
        if let Some(i) = self.queue.iter().position(matches) {
            return self.queue.remove(i).map(|m| m["params"].clone());
        }
        tokio::time::timeout(timeout, async {
            loop {
                let m = self.read().await?;
                if matches(&m) {
                    return Some(m["params"].clone());
                }
                self.queue.push_back(m);
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// `initialize` + `initialized`; returns the server's capabilities.
    pub async fn initialize(&mut self) -> Value {
        let caps = json!({"textDocument": {"publishDiagnostics": {"relatedInformation": true}}});
        let r = self
            .request(
                "initialize",
                json!({"processId": null, "rootUri": null, "capabilities": caps}),
            )
            .await
            .expect("initialize succeeds");
        self.notify("initialized", json!({})).await;
        r["capabilities"].clone()
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        let doc = json!({"uri": uri, "languageId": "wf", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": doc}))
            .await;
    }

    pub async fn change(&mut self, uri: &str, version: i32, text: &str) {
        let params = json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}],
        });
        self.notify("textDocument/didChange", params).await;
    }

    /// The next published diagnostics for `uri` (of `version`, if given).
    pub async fn diagnostics(
        &mut self,
        uri: &str,
        version: Option<i32>,
        timeout: Duration,
    ) -> Option<Value> {
        let uri = uri.to_string();
        self.notification("textDocument/publishDiagnostics", timeout, move |p| {
            p["uri"] == json!(uri) && version.is_none_or(|v| p["version"] == json!(v))
        })
        .await
        .map(|p| p["diagnostics"].clone())
    }

    /// `shutdown` then `exit`.
    pub async fn shutdown(&mut self) {
        self.request("shutdown", Value::Null)
            .await
            .expect("shutdown succeeds");
        self.notify("exit", Value::Null).await;
    }
}
