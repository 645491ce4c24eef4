//! The open documents and their analyses: one analysis per document at a
//! time, the newest text wins, requests answered from the cache.
//!
//! A change stores the text at once and wakes the document's worker (one
//! task per document, spawned when there is work). The worker waits for a
//! quiet period (the debounce, cut short when the oldest unpublished change
//! is `max_wait` old, so typing that never pauses still sees diagnostics),
//! then analyses the newest text on the blocking pool. Changes that arrive
//! meanwhile do not start another analysis: they mark the running one stale
//! and, unless it must finish to keep the publishes coming (no publish for
//! a quarter of `max_wait`), cancel it at its next checkpoint (after the parse,
//! after the imports). When it ends the worker publishes it — if it is newer
//! than what was published, so versions only ever go forward — and analyses
//! the newest text next.
//!
//! Requests never wait for a newer analysis: they are answered from the
//! last finished one (positions are not mapped when the text changed since),
//! except completion, which reads the current text's lexer, and requests
//! answering with edits (rename, code actions), which wait for the analysis
//! of the current text so that their edits apply to it.

use crate::convert::Converter;
use crate::imports::{self, Published};
use crate::lines::LineIndex;
use crate::server::Options;
use crate::workspace::{self, OpenFiles};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;
use tokio::sync::watch;
use tower_lsp::lsp_types::{Diagnostic, SemanticToken, Url};
use tower_lsp::Client;
use wfc_language::ide;
use wfc_language::program::Sources;

/// Semantic tokens as sent, under their result id.
pub(crate) type SentTokens = (String, Arc<Vec<SemanticToken>>);

/// Diagnostics of a document and of each file it imports (on its URI).
type AllDiagnostics = (Vec<Diagnostic>, Vec<(Url, Vec<Diagnostic>)>);

/// One analysed version of a document.
pub(crate) struct Analysed {
    /// Of the document's text at this generation.
    pub generation: u64,
    pub version: i32,
    pub lines: LineIndex,
    pub doc: ide::Doc,
    /// Its semantic tokens in the protocol's encoding, computed once.
    pub tokens: OnceLock<Arc<Vec<SemanticToken>>>,
}

impl Analysed {
    fn new(generation: u64, version: i32, doc: ide::Doc) -> Analysed {
        Analysed {
            generation,
            version,
            lines: LineIndex::new(doc.text()),
            doc,
            tokens: OnceLock::new(),
        }
    }
}

/// The analysis running for a document.
struct Running {
    cancel: Arc<AtomicBool>,
    /// Started after a long time without a publish: runs to its end.
    protected: bool,
}

/// One open document.
struct Document {
    /// Tells this opening of the URI from an earlier one (close, reopen).
    id: u64,
    text: Arc<str>,
    version: i32,
    /// Bumped on every change, from one counter for all documents.
    generation: u64,
    /// When the quiet period started (the last change).
    changed_at: Instant,
    /// When the oldest change no publish covers arrived.
    pending_since: Option<Instant>,
    /// The newest finished analysis; requests wait on it only before the first.
    analysed: watch::Sender<Option<Arc<Analysed>>>,
    /// The current text lexed only, for completion while its analysis runs.
    lexical: Option<Arc<Analysed>>,
    /// A worker task is looking after this document.
    worker: bool,
    running: Option<Running>,
    /// The generation whose diagnostics were published last, and when.
    published: u64,
    last_publish: Option<Instant>,
    /// The semantic tokens last sent, by result id (for delta requests).
    sent_tokens: Option<SentTokens>,
}

/// What the server shares with its workers.
pub(crate) struct Shared {
    pub client: Client,
    pub options: Options,
    pub std_dir: Option<Arc<Path>>,
    docs: Mutex<HashMap<Url, Document>>,
    /// The imported files each open document published diagnostics for.
    published: Mutex<Published>,
    /// Ids, generations and result ids.
    counter: AtomicU64,
}

/// A consistent view of a document for one request: one analysis.
pub(crate) struct Snapshot {
    pub uri: Url,
    pub std_dir: Option<Arc<Path>>,
    pub analysed: Arc<Analysed>,
}

impl Snapshot {
    pub fn doc(&self) -> &ide::Doc {
        &self.analysed.doc
    }

    pub fn text(&self) -> &str {
        self.analysed.doc.text()
    }

    pub fn convert(&self) -> Converter<'_> {
        Converter {
            uri: &self.uri,
            text: self.text(),
            lines: &self.analysed.lines,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update under these locks is a plain assignment: a panic while
    // holding one cannot leave it half-written, so a poisoned lock is usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(client: Client, options: Options) -> Shared {
        Shared {
            client,
            std_dir: options.std_dir.as_deref().map(Arc::from),
            options,
            docs: Mutex::default(),
            published: Mutex::default(),
            counter: AtomicU64::new(1),
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    pub fn is_open(&self, uri: &Url) -> bool {
        lock(&self.docs).contains_key(uri)
    }

    /// Stores a document's new text (`open`: a new document, analysed
    /// without waiting for a quiet period) and wakes its worker.
    pub fn set_text(self: &Arc<Self>, uri: Url, text: String, version: i32, open: bool) {
        let now = Instant::now();
        let generation = self.next();
        let mut docs = lock(&self.docs);
        if docs.get(&uri).is_some_and(|d| d.version > version) {
            return; // an out-of-order older change
        }
        let d = docs.entry(uri.clone()).or_insert_with(|| Document {
            id: generation,
            text: Arc::from(""),
            version,
            generation,
            changed_at: now,
            pending_since: None,
            analysed: watch::channel(None).0,
            lexical: None,
            worker: false,
            running: None,
            published: 0,
            last_publish: None,
            sent_tokens: None,
        });
        d.text = text.into();
        d.version = version;
        self.touch(&uri, d, generation, now);
        if open {
            d.changed_at = now.checked_sub(self.options.debounce).unwrap_or(now);
        }
    }

    /// Marks `d` changed at `now` (its text, or what it imports).
    fn touch(self: &Arc<Self>, uri: &Url, d: &mut Document, generation: u64, now: Instant) {
        d.generation = generation;
        d.changed_at = now;
        d.pending_since.get_or_insert(now);
        if let Some(r) = d.running.as_ref().filter(|r| !r.protected) {
            r.cancel.store(true, Ordering::Relaxed);
        }
        if !d.worker {
            d.worker = true;
            tokio::spawn(worker(self.clone(), uri.clone(), d.id));
        }
    }

    /// Marks the open documents that import `changed` stale: what they
    /// call may have changed.
    pub fn recheck_importers(self: &Arc<Self>, changed: &Url) {
        let Ok(path) = changed.to_file_path() else {
            return;
        };
        let key = wfc_language::program::FileKey::Path(path);
        let now = Instant::now();
        let mut docs = lock(&self.docs);
        for (uri, d) in docs.iter_mut().filter(|(u, _)| *u != changed) {
            let imports = d.analysed.borrow().as_ref().is_some_and(|a| {
                a.doc
                    .imported
                    .as_ref()
                    .is_some_and(|i| i.units().iter().any(|u| u.key == key))
            });
            if imports {
                let generation = self.next();
                self.touch(uri, d, generation, now);
            }
        }
    }

    /// Forgets a closed document (a running analysis of it is cancelled).
    pub fn close(&self, uri: &Url) {
        if let Some(d) = lock(&self.docs).remove(uri) {
            if let Some(r) = d.running {
                r.cancel.store(true, Ordering::Relaxed);
            }
        }
    }

    /// The newest finished analysis of `uri` (the first one is waited for).
    pub async fn snapshot(&self, uri: &Url) -> Option<Snapshot> {
        self.snapshot_where(uri, |_| true).await
    }

    /// The analysis of the text `uri` has now, waited for: for answers
    /// that are edits of that text.
    pub async fn current(&self, uri: &Url) -> Option<Snapshot> {
        let generation = lock(&self.docs).get(uri)?.generation;
        self.snapshot_where(uri, move |a| a.generation >= generation)
            .await
    }

    async fn snapshot_where(
        &self,
        uri: &Url,
        ready: impl Fn(&Analysed) -> bool,
    ) -> Option<Snapshot> {
        let mut rx = lock(&self.docs).get(uri)?.analysed.subscribe();
        let analysed = rx
            .wait_for(|a| a.as_deref().is_some_and(&ready))
            .await
            .ok()?
            .clone()?;
        Some(Snapshot {
            uri: uri.clone(),
            std_dir: self.std_dir.clone(),
            analysed,
        })
    }

    /// For completion: the analysis of the current text if it finishes
    /// within `completion_wait`, else the current text lexed only (what
    /// completion's context needs; names only the analysis knows — lets,
    /// imported modules — are left out until it lands). The first analysis
    /// of a document is waited for.
    pub async fn completion_snapshot(&self, uri: &Url) -> Option<Snapshot> {
        let (mut rx, generation) = {
            let docs = lock(&self.docs);
            let d = docs.get(uri)?;
            (d.analysed.subscribe(), d.generation)
        };
        if rx.borrow().is_none() {
            rx.wait_for(Option::is_some).await.ok()?;
        }
        let current =
            |a: &Option<Arc<Analysed>>| a.as_ref().is_some_and(|a| a.generation >= generation);
        let wait = self.options.completion_wait;
        let _ = tokio::time::timeout(wait, rx.wait_for(current)).await;
        let mut docs = lock(&self.docs);
        let d = docs.get_mut(uri)?;
        let analysed = d.analysed.borrow().clone();
        let analysed = match (analysed, &d.lexical) {
            (Some(a), _) if a.generation == d.generation => a,
            (_, Some(l)) if l.generation == d.generation => l.clone(),
            _ => {
                // Lexing is lazy: building this costs a line index, no more.
                let doc = ide::Doc::lexical(uri.as_str(), &d.text);
                let l = Arc::new(Analysed::new(d.generation, d.version, doc));
                d.lexical = Some(l.clone());
                l
            }
        };
        Some(Snapshot {
            uri: uri.clone(),
            std_dir: self.std_dir.clone(),
            analysed,
        })
    }

    /// The semantic tokens last sent for `uri`, and records `now` as sent
    /// under a new result id (returned).
    pub fn swap_sent_tokens(
        &self,
        uri: &Url,
        now: Arc<Vec<SemanticToken>>,
    ) -> (Option<SentTokens>, String) {
        let id = self.next().to_string();
        let mut docs = lock(&self.docs);
        let Some(d) = docs.get_mut(uri) else {
            return (None, id);
        };
        (d.sent_tokens.replace((id.clone(), now)), id)
    }

    /// What the worker of document `id` at `uri` does next.
    fn next_job(&self, uri: &Url, id: u64) -> Next {
        let mut docs = lock(&self.docs);
        let open: HashMap<_, _> = docs
            .iter()
            .filter_map(|(u, d)| Some((u.to_file_path().ok()?, d.text.clone())))
            .collect();
        let Some(d) = docs.get_mut(uri).filter(|d| d.id == id) else {
            return Next::Exit;
        };
        let current = d.analysed.borrow().as_ref().map(|a| a.generation) == Some(d.generation);
        if current {
            d.worker = false;
            return Next::Exit;
        }
        let now = Instant::now();
        let quiet = d.changed_at + self.options.debounce;
        let due = d
            .pending_since
            .map_or(quiet, |p| quiet.min(p + self.options.max_wait));
        if now < due {
            return Next::Sleep(due);
        }
        let cancel = Arc::new(AtomicBool::new(false));
        // Protected after a quarter of max_wait without a publish: the next
        // publish then comes within max_wait even when the analysis takes
        // most of the rest (a publish is one analysis plus a key away).
        let protected = d
            .last_publish
            .is_none_or(|t| now.duration_since(t) >= self.options.max_wait / 4);
        d.running = Some(Running {
            cancel: cancel.clone(),
            protected,
        });
        Next::Analyse(Box::new(Job {
            uri: uri.clone(),
            key: workspace::key_of(uri, self.std_dir.as_deref()),
            text: d.text.clone(),
            generation: d.generation,
            version: d.version,
            open: OpenFiles(open),
            cancel,
            std_dir: self.std_dir.clone(),
        }))
    }

    /// Stores a finished analysis; what to publish, if it is newer than
    /// what was published.
    fn finish(&self, uri: &Url, id: u64, outcome: Outcome) -> Option<Publish> {
        let mut docs = lock(&self.docs);
        let d = docs.get_mut(uri).filter(|d| d.id == id)?;
        d.running = None;
        let Outcome::Done(f) = outcome else {
            return None; // cancelled: the newest text is analysed next
        };
        let a = f.analysed;
        let newer = d
            .analysed
            .borrow()
            .as_ref()
            .is_none_or(|old| old.generation < a.generation);
        if newer {
            d.analysed.send_replace(Some(a.clone()));
        }
        let (diagnostics, imported) = f.diagnostics?;
        if a.generation <= d.published {
            return None;
        }
        let now = Instant::now();
        d.published = a.generation;
        d.last_publish = Some(now);
        d.pending_since = (a.generation != d.generation).then_some(now);
        Some(Publish {
            version: a.version,
            diagnostics,
            imported,
        })
    }

    /// Publishes the diagnostics of the files `importer` imports (those not
    /// open: an open file publishes its own), and clears the ones no
    /// importer imports any more.
    pub async fn publish_imported(&self, importer: &Url, imported: Vec<(Url, Vec<Diagnostic>)>) {
        let (publish, clear) = {
            let docs = lock(&self.docs);
            let publish: Vec<_> = imported
                .into_iter()
                .filter(|(u, _)| !docs.contains_key(u))
                .collect();
            let urls = publish.iter().map(|(u, _)| u.clone()).collect();
            let clear: Vec<Url> = lock(&self.published)
                .replace(importer, urls)
                .into_iter()
                .filter(|u| !docs.contains_key(u))
                .collect();
            (publish, clear)
        };
        for (uri, diags) in publish {
            self.client.publish_diagnostics(uri, diags, None).await;
        }
        for uri in clear {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }
}

enum Next {
    Exit,
    Sleep(Instant),
    Analyse(Box<Job>),
}

/// One analysis to run: the text of one generation and the open buffers.
struct Job {
    uri: Url,
    key: wfc_language::program::FileKey,
    text: Arc<str>,
    generation: u64,
    version: i32,
    open: OpenFiles,
    cancel: Arc<AtomicBool>,
    std_dir: Option<Arc<Path>>,
}

/// The open buffers over the disk, and the cancel flag the loader polls.
struct Cancellable<'a> {
    files: &'a OpenFiles,
    cancel: &'a AtomicBool,
}

impl Sources for Cancellable<'_> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files.read(path)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

enum Outcome {
    Cancelled,
    Done(Finished),
}

struct Finished {
    analysed: Arc<Analysed>,
    /// Its diagnostics and its imported files'; `None` when the analysis
    /// panicked (the text is then served lexed only, and nothing published).
    diagnostics: Option<AllDiagnostics>,
}

struct Publish {
    version: i32,
    diagnostics: Vec<Diagnostic>,
    imported: Vec<(Url, Vec<Diagnostic>)>,
}

impl Job {
    /// Analyses and converts the diagnostics (on the blocking pool).
    fn run(self) -> Outcome {
        let sources = Cancellable {
            files: &self.open,
            cancel: &self.cancel,
        };
        let doc = ide::Doc::analyze_program(self.key, &self.text, &sources);
        if self.cancel.load(Ordering::Relaxed) {
            return Outcome::Cancelled;
        }
        let a = Analysed::new(self.generation, self.version, doc);
        let convert = Converter {
            uri: &self.uri,
            text: a.doc.text(),
            lines: &a.lines,
        };
        let diagnostics = a.doc.diagnostics();
        let diagnostics = diagnostics.iter().map(|d| convert.diagnostic(d)).collect();
        let imported = imports::imported_diagnostics(&a.doc, self.std_dir.as_deref());
        Outcome::Done(Finished {
            analysed: Arc::new(a),
            diagnostics: Some((diagnostics, imported)),
        })
    }
}

/// Looks after one document until its newest text is analysed.
async fn worker(shared: Arc<Shared>, uri: Url, id: u64) {
    loop {
        let job = match shared.next_job(&uri, id) {
            Next::Exit => return,
            Next::Sleep(until) => {
                tokio::time::sleep_until(until.into()).await;
                continue;
            }
            Next::Analyse(job) => job,
        };
        let (text, generation, version) = (job.text.clone(), job.generation, job.version);
        let outcome = match crate::server::blocking(move || job.run()).await {
            Some(outcome) => outcome,
            // A bug in the analysis: serve this text lexed only, so that
            // requests still answer and the worker does not retry it.
            None => Outcome::Done(Finished {
                analysed: Arc::new(Analysed::new(
                    generation,
                    version,
                    ide::Doc::lexical(uri.as_str(), &text),
                )),
                diagnostics: None,
            }),
        };
        if let Some(p) = shared.finish(&uri, id, outcome) {
            shared
                .client
                .publish_diagnostics(uri.clone(), p.diagnostics, Some(p.version))
                .await;
            shared.publish_imported(&uri, p.imported).await;
        }
    }
}
