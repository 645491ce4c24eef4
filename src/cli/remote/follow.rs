//! `wfc status RUN --watch --server URL`: the run's live events (the API's
//! Server-Sent Events, `GET /runs/{id}/events`) say when it changed; the
//! run is then read again (`GET /runs/{id}?steps=all`, at most every
//! [`EVERY`]) and drawn, until its `end` event. A dropped stream is opened
//! again after the last event id read (`Last-Event-ID`).

use super::{json, problem, Client, Failure};
use std::time::Duration;
use tokio::time::Instant;
use wfc_store::query::RunDetail;

/// The shortest time between two reads of the run.
const EVERY: Duration = Duration::from_millis(250);
/// How long a stream may stay open (it closes at the run's end).
const STREAM: Duration = Duration::from_secs(60 * 60 * 24 * 365);

/// An SSE stream's state: the bytes of the event being read, the last id.
#[derive(Default)]
struct Sse {
    buf: Vec<u8>,
    last_id: Option<String>,
}

impl Sse {
    /// Feeds `chunk`; the names of the events it completed.
    fn feed(&mut self, chunk: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(chunk);
        let mut names = Vec::new();
        while let Some(at) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = self.buf.drain(..at + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let mut name = "message".to_owned();
            for line in text.lines() {
                if let Some(n) = line.strip_prefix("event:") {
                    name = n.trim().to_owned();
                } else if let Some(id) = line.strip_prefix("id:") {
                    self.last_id = Some(id.trim().to_owned());
                }
            }
            if !text.trim().is_empty() && !text.trim_start().starts_with(':') {
                names.push(name);
            }
        }
        names
    }
}

impl Client {
    /// Follows run `id`, calling `draw` with it as it changes (and once at
    /// the start); returns it as it ended.
    pub fn follow(&self, id: &str, mut draw: impl FnMut(&RunDetail)) -> Result<RunDetail, Failure> {
        self.runtime.block_on(async {
            let mut run = self.read(id).await?;
            draw(&run);
            let mut sse = Sse::default();
            loop {
                if !matches!(run.run.status.as_str(), "running" | "waiting" | "paused") {
                    return Ok(run);
                }
                let ended = self.stream(id, &mut sse, &mut run, &mut draw).await?;
                run = self.read(id).await?;
                if ended {
                    return Ok(run);
                }
                // Dropped before the end: draw what is, then open it again.
                draw(&run);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }

    /// Reads the stream until it ends: whether it said the run ended.
    async fn stream(
        &self,
        id: &str,
        sse: &mut Sse,
        run: &mut RunDetail,
        draw: &mut impl FnMut(&RunDetail),
    ) -> Result<bool, Failure> {
        let url = self.url(&["runs", id, "events"], &[]);
        let mut request = self
            .http
            .get(url.clone())
            .bearer_auth(&self.key)
            .timeout(STREAM);
        if let Some(last) = &sse.last_id {
            request = request.header("Last-Event-ID", last);
        }
        let mut answer = request
            .send()
            .await
            .map_err(|e| self.unreachable(&e, &url))?;
        if !answer.status().is_success() {
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            return Err(problem(status, &body, &url));
        }
        let mut changed = false;
        let mut last_read = Instant::now();
        loop {
            let wait = (last_read + EVERY).saturating_duration_since(Instant::now());
            let chunk = tokio::select! {
                chunk = answer.chunk() => chunk,
                () = tokio::time::sleep(wait), if changed => {
                    *run = self.read(id).await?;
                    draw(run);
                    (changed, last_read) = (false, Instant::now());
                    continue;
                }
            };
            let Ok(Some(chunk)) = chunk else {
                return Ok(false);
            };
            for name in sse.feed(&chunk) {
                match name.as_str() {
                    "end" => return Ok(true),
                    // A line printed changes nothing `wfc status` shows.
                    "log" => {}
                    _ => changed = true,
                }
            }
        }
    }

    /// The run with every step (as `wfc status --server` reads it).
    async fn read(&self, id: &str) -> Result<RunDetail, Failure> {
        let url = self.url(&["runs", id], &[("steps", "all")]);
        let request = self.http.get(url.clone()).bearer_auth(&self.key);
        let answer = request
            .send()
            .await
            .map_err(|e| self.unreachable(&e, &url))?;
        let status = answer.status();
        let body = answer
            .text()
            .await
            .map_err(|e| self.unreachable(&e, &url))?;
        if !status.is_success() {
            return Err(problem(status, &body, &url));
        }
        json(&body, &url)
    }
}

#[cfg(test)]
mod tests {
    use super::Sse;

    #[test]
    fn events_are_named_across_chunks_and_their_last_id_kept() {
        let mut sse = Sse::default();
        assert!(sse
            .feed(b"id: 3;0\nevent: step_started\ndata: {}\n")
            .is_empty());
        assert_eq!(
            sse.feed(b"\n: keep-alive\n\nevent: log\ndata: x\n\nevent: end\n"),
            ["step_started", "log"]
        );
        assert_eq!(sse.feed(b"data: {}\n\n"), ["end"]);
        assert_eq!(sse.last_id.as_deref(), Some("3;0"));
    }
}
