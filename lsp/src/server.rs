//! The tower-lsp backend: document store, debounced reanalysis, requests.
//!
//! Every document keeps its latest text and the analysis of some version of
//! it. A change stores the new text at once (in order, without awaiting) and
//! schedules a diagnostics run after a short quiet period; a request first
//! brings the analysis up to date with the current text. Analyses and
//! queries run on the blocking pool, so a slow one never stalls the message
//! loop, and a panic inside a query becomes an empty answer, not a crash.

use crate::convert::{self, Converter};
use crate::imports::{self, Published};
use crate::lines::LineIndex;
use crate::workspace::{self, OpenFiles};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_lsp::jsonrpc::{Error, Result};
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};
use wfc_language::ide;

/// How the server behaves; [`Default`] is what `wfc lsp` uses.
#[derive(Clone, Debug)]
pub struct Options {
    /// The quiet period after a change before diagnostics are recomputed.
    pub debounce: Duration,
    /// Where std modules are written for go to definition
    /// ([`workspace::default_std_dir`]); `None`: definitions stop at std.
    pub std_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            debounce: Duration::from_millis(15),
            std_dir: workspace::default_std_dir(),
        }
    }
}

/// At most this many completion items are sent; the list is then marked
/// incomplete, so the editor asks again as the user types more of the word.
const MAX_COMPLETIONS: usize = 200;

/// One open document.
struct Document {
    text: Arc<str>,
    lines: Arc<LineIndex>,
    version: i32,
    /// Bumped on every change; analyses are tagged with the generation they are of.
    generation: u64,
    analysis: Option<(u64, Arc<ide::Doc>)>,
}

/// A consistent view of a document for one request.
pub(crate) struct Snapshot {
    uri: Url,
    std_dir: Option<Arc<Path>>,
    lines: Arc<LineIndex>,
    /// The analysis of the text `lines` indexes.
    analysis: Arc<ide::Doc>,
}

impl Snapshot {
    fn text(&self) -> &str {
        self.analysis.text()
    }

    fn convert(&self) -> Converter<'_> {
        Converter {
            uri: &self.uri,
            text: self.text(),
            lines: &self.lines,
        }
    }

    /// A place of the definition answer, in whichever file it is.
    fn location(&self, place: &ide::Place) -> Option<Location> {
        let Some(key) = &place.file else {
            return Some(self.convert().location(&place.span));
        };
        let text = self.analysis.file_text(key)?;
        let uri = workspace::uri_of(key, self.std_dir.as_deref())?;
        let range = LineIndex::new(text).range(text, &place.span);
        Some(Location::new(uri, range))
    }
}

/// The tower-lsp language server: the open documents and their analyses.
pub struct Backend {
    client: Client,
    options: Options,
    docs: Arc<Mutex<HashMap<Url, Document>>>,
    std_dir: Option<Arc<Path>>,
    /// The imported files each open document published diagnostics for.
    published: Arc<Mutex<Published>>,
    /// The client watches files for us (`workspace/didChangeWatchedFiles`
    /// with dynamic registration): set at `initialize`.
    watch_files: std::sync::atomic::AtomicBool,
}

impl Backend {
    pub fn new(client: Client, options: Options) -> Backend {
        Backend {
            client,
            std_dir: options.std_dir.as_deref().map(Arc::from),
            options,
            docs: Arc::new(Mutex::new(HashMap::new())),
            published: Arc::default(),
            watch_files: Default::default(),
        }
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, HashMap<Url, Document>> {
        // A panic while holding the lock cannot leave a document half-written
        // (every update is a plain assignment), so a poisoned lock is usable.
        self.docs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The analysis of the current text of `uri` (computed now if stale).
    async fn snapshot(&self, uri: &Url) -> Option<Snapshot> {
        snapshot(&self.docs, uri, self.std_dir.clone()).await
    }

    fn set_text(&self, uri: Url, text: String, version: i32) {
        let text: Arc<str> = text.into();
        let lines = Arc::new(LineIndex::new(&text));
        let mut docs = self.docs();
        match docs.get_mut(&uri) {
            Some(d) if d.version > version => {} // an out-of-order older change
            Some(d) => {
                d.text = text;
                d.lines = lines;
                d.version = version;
                d.generation += 1;
            }
            None => {
                docs.insert(
                    uri,
                    Document {
                        text,
                        lines,
                        version,
                        generation: 1,
                        analysis: None,
                    },
                );
            }
        }
    }

    /// Publishes diagnostics for `uri` after `delay`, unless it changed meanwhile.
    fn schedule_diagnostics(&self, uri: Url, delay: Duration) {
        let docs = self.docs.clone();
        let client = self.client.clone();
        let std_dir = self.std_dir.clone();
        let published = self.published.clone();
        let generation = self.docs().get(&uri).map(|d| d.generation);
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let current = || {
                let docs = docs.lock().unwrap_or_else(|e| e.into_inner());
                docs.get(&uri).map(|d| (d.generation, d.version))
            };
            if current().map(|c| c.0) != generation {
                return; // a newer change has its own run scheduled
            }
            let Some(snap) = snapshot(&docs, &uri, std_dir.clone()).await else {
                return;
            };
            let a = snap.analysis.clone();
            let work = move || {
                let imported = imports::imported_diagnostics(&a, std_dir.as_deref());
                (a.diagnostics(), imported)
            };
            let Some((diags, imported)) = blocking(work).await else {
                return;
            };
            let Some((now, version)) = current() else {
                return;
            };
            if Some(now) != generation {
                return;
            }
            let convert = snap.convert();
            let diags = diags.iter().map(|d| convert.diagnostic(d)).collect();
            client
                .publish_diagnostics(uri.clone(), diags, Some(version))
                .await;
            publish_imported(&client, &docs, &published, &uri, imported).await;
        });
    }

    /// Marks the open documents that import `changed` stale and schedules
    /// their diagnostics: what they call may have changed.
    fn recheck_importers(&self, changed: &Url) {
        let Ok(path) = changed.to_file_path() else {
            return;
        };
        let key = wfc_language::program::FileKey::Path(path);
        let importers: Vec<Url> = {
            let mut docs = self.docs();
            docs.iter_mut()
                .filter(|(u, d)| {
                    *u != changed
                        && d.analysis.as_ref().is_some_and(|(_, a)| {
                            a.imported
                                .as_ref()
                                .is_some_and(|i| i.units().iter().any(|u| u.key == key))
                        })
                })
                .map(|(u, d)| {
                    d.generation += 1;
                    u.clone()
                })
                .collect()
        };
        for uri in importers {
            self.schedule_diagnostics(uri, self.options.debounce);
        }
    }

    /// Runs a query on a fresh snapshot, off the message loop.
    async fn query<T: Send + 'static>(
        &self,
        uri: &Url,
        f: impl FnOnce(&Snapshot) -> T + Send + 'static,
    ) -> Option<T> {
        let snap = self.snapshot(uri).await?;
        blocking(move || f(&snap)).await
    }
}

/// In an import's path: the `.wf` files it could name, beside the document.
fn import_files(s: &Snapshot, offset: usize) -> Vec<ide::CompletionItem> {
    let Some(replace) = ide::calls::import_path_at(s.text(), offset) else {
        return Vec::new();
    };
    let Ok(path) = s.uri.to_file_path() else {
        return Vec::new();
    };
    let typed = &s.text()[replace.clone()];
    let mut items = workspace::import_files(&path, typed);
    items.retain(|i| i.label.starts_with(typed));
    for item in &mut items {
        item.replace = Some(replace.clone());
    }
    items
}

/// Runs `f` on the blocking pool; `None` if it panicked.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// The analysis of the current text of `uri`: the stored one if it is of
/// this text, else a new one (stored unless a newer one landed meanwhile).
async fn snapshot(
    docs: &Mutex<HashMap<Url, Document>>,
    uri: &Url,
    std_dir: Option<Arc<Path>>,
) -> Option<Snapshot> {
    let lock = || docs.lock().unwrap_or_else(|e| e.into_inner());
    let (text, lines, generation, open) = {
        let docs = lock();
        let d = docs.get(uri)?;
        if let Some((g, a)) = &d.analysis {
            if *g == d.generation {
                return Some(Snapshot {
                    uri: uri.clone(),
                    std_dir,
                    lines: d.lines.clone(),
                    analysis: a.clone(),
                });
            }
        }
        // Imports read the editor's buffers before the disk.
        let open = docs
            .iter()
            .filter_map(|(u, d)| Some((u.to_file_path().ok()?, d.text.clone())))
            .collect();
        (d.text.clone(), d.lines.clone(), d.generation, open)
    };
    let key = workspace::key_of(uri, std_dir.as_deref());
    let analysis =
        blocking(move || Arc::new(ide::Doc::analyze_program(key, &text, &OpenFiles(open)))).await?;
    {
        let mut docs = lock();
        if let Some(d) = docs.get_mut(uri) {
            let newer = d.analysis.as_ref().is_some_and(|(g, _)| *g > generation);
            if !newer {
                d.analysis = Some((generation, analysis.clone()));
            }
        }
    }
    Some(Snapshot {
        uri: uri.clone(),
        std_dir,
        lines,
        analysis,
    })
}

/// Publishes the diagnostics of the files `importer` imports (those not open:
/// an open file publishes its own), and clears the ones no importer imports
/// any more.
async fn publish_imported(
    client: &Client,
    docs: &Mutex<HashMap<Url, Document>>,
    published: &Mutex<Published>,
    importer: &Url,
    imported: Vec<(Url, Vec<Diagnostic>)>,
) {
    let (publish, clear) = {
        let docs = docs.lock().unwrap_or_else(|e| e.into_inner());
        let publish: Vec<_> = imported
            .into_iter()
            .filter(|(u, _)| !docs.contains_key(u))
            .collect();
        let urls = publish.iter().map(|(u, _)| u.clone()).collect();
        let mut published = published.lock().unwrap_or_else(|e| e.into_inner());
        let clear: Vec<Url> = published
            .replace(importer, urls)
            .into_iter()
            .filter(|u| !docs.contains_key(u))
            .collect();
        (publish, clear)
    };
    for (uri, diags) in publish {
        client.publish_diagnostics(uri, diags, None).await;
    }
    for uri in clear {
        client.publish_diagnostics(uri, Vec::new(), None).await;
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ":".into(), "{".into(), " ".into()]),
            ..Default::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: convert::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        ..Default::default()
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, p: InitializeParams) -> Result<InitializeResult> {
        let watch = p
            .capabilities
            .workspace
            .and_then(|w| w.did_change_watched_files)
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.watch_files
            .store(watch, std::sync::atomic::Ordering::Relaxed);
        Ok(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "wfc-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    /// Asks the client to tell us when `.wf` files change on disk (another
    /// program, a `git checkout`): open documents importing one are re-checked.
    async fn initialized(&self, _: InitializedParams) {
        if !self.watch_files.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.wf".into()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "wfc-watch-wf".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        // A client that refuses leaves us with editor buffers only.
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        for change in p.changes {
            // An open buffer is what its importers read, not the disk.
            if !self.docs().contains_key(&change.uri) {
                self.recheck_importers(&change.uri);
            }
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let uri = p.text_document.uri;
        self.set_text(uri.clone(), p.text_document.text, p.text_document.version);
        // Its importers read it from disk so far; the buffer may differ.
        self.recheck_importers(&uri);
        self.schedule_diagnostics(uri, Duration::ZERO);
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = p.content_changes.into_iter().last() else {
            return;
        };
        let uri = p.text_document.uri;
        self.set_text(uri.clone(), change.text, p.text_document.version);
        self.recheck_importers(&uri);
        self.schedule_diagnostics(uri, self.options.debounce);
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        self.docs().remove(&uri);
        self.client
            .publish_diagnostics(uri.clone(), Vec::new(), None)
            .await;
        // Its importers read it from disk again; what it imported is no
        // longer published for by it.
        self.recheck_importers(&uri);
        let no_imports = Vec::new();
        publish_imported(&self.client, &self.docs, &self.published, &uri, no_imports).await;
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let pos = p.text_document_position;
        let at = pos.position;
        Ok(self
            .query(&pos.text_document.uri, move |s| {
                let convert = s.convert();
                let offset = convert.offset(at);
                let mut items = s.analysis.completion(offset);
                items.extend(import_files(s, offset));
                let is_incomplete = items.len() > MAX_COMPLETIONS;
                if is_incomplete {
                    items.sort_by(|a, b| a.sort_text().cmp(b.sort_text()));
                    items.truncate(MAX_COMPLETIONS);
                }
                let items = items
                    .into_iter()
                    .map(|c| convert.completion(c, at))
                    .collect();
                CompletionResponse::List(CompletionList {
                    is_incomplete,
                    items,
                })
            })
            .await)
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let pos = p.text_document_position_params;
        let at = pos.position;
        Ok(self
            .query(&pos.text_document.uri, move |s| {
                let convert = s.convert();
                s.analysis.hover(convert.offset(at)).map(|h| Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: h.markdown,
                    }),
                    range: Some(convert.range(&h.span)),
                })
            })
            .await
            .flatten())
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let pos = p.text_document_position_params;
        let at = pos.position;
        Ok(self
            .query(&pos.text_document.uri, move |s| {
                let place = s.analysis.definition_place(s.convert().offset(at))?;
                Some(GotoDefinitionResponse::Scalar(s.location(&place)?))
            })
            .await
            .flatten())
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let pos = p.text_document_position;
        let at = pos.position;
        let decl = p.context.include_declaration;
        Ok(self
            .query(&pos.text_document.uri, move |s| {
                let convert = s.convert();
                let spans = s.analysis.references(convert.offset(at), decl);
                spans.iter().map(|sp| convert.location(sp)).collect()
            })
            .await)
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let at = p.position;
        let r = self
            .query(&p.text_document.uri, move |s| {
                let convert = s.convert();
                s.analysis
                    .prepare_rename(convert.offset(at))
                    .map(|span| PrepareRenameResponse::Range(convert.range(&span)))
            })
            .await;
        match r {
            Some(Ok(r)) => Ok(Some(r)),
            Some(Err(msg)) => Err(Error::invalid_params(msg)),
            None => Ok(None),
        }
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let pos = p.text_document_position;
        let at = pos.position;
        let uri = pos.text_document.uri.clone();
        let r = self
            .query(&pos.text_document.uri, move |s| {
                let convert = s.convert();
                let edits = s.analysis.rename(convert.offset(at), &p.new_name)?;
                let edits = edits.iter().map(|e| convert.edit(e)).collect();
                Ok::<_, String>(WorkspaceEdit::new(HashMap::from([(uri, edits)])))
            })
            .await;
        match r {
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(msg)) => Err(Error::invalid_params(msg)),
            None => Ok(None),
        }
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .query(&p.text_document.uri, |s| {
                let convert = s.convert();
                let symbols = s.analysis.symbols();
                DocumentSymbolResponse::Nested(
                    symbols.into_iter().map(|x| convert.symbol(x)).collect(),
                )
            })
            .await)
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self
            .query(&p.text_document.uri, |s| {
                let formatted = s.analysis.format()?;
                if formatted == s.text() {
                    return Some(Vec::new());
                }
                let all = 0..s.text().len();
                Some(vec![TextEdit::new(s.convert().range(&all), formatted)])
            })
            .await
            .flatten())
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(self
            .query(&p.text_document.uri, |s| {
                let tokens = s.analysis.semantic_tokens();
                SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data: s.convert().semantic_tokens(&tokens),
                })
            })
            .await)
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self
            .query(&p.text_document.uri, |s| {
                let convert = s.convert();
                s.analysis
                    .folding_ranges()
                    .iter()
                    .filter_map(|f| convert.fold(f))
                    .collect()
            })
            .await)
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = p.text_document.uri.clone();
        let range = p.range;
        Ok(self
            .query(&p.text_document.uri, move |s| {
                let convert = s.convert();
                let span = convert.offset(range.start)..convert.offset(range.end);
                let actions = s.analysis.code_actions(span);
                if actions.is_empty() {
                    return Vec::new();
                }
                let diags = s.analysis.diagnostics();
                actions
                    .into_iter()
                    .map(|a| {
                        let edits = a.edits.iter().map(|e| convert.edit(e)).collect();
                        let diagnostic = a.diagnostic.and_then(|i| diags.get(i));
                        CodeActionOrCommand::CodeAction(CodeAction {
                            title: a.title,
                            kind: Some(CodeActionKind::QUICKFIX),
                            diagnostics: diagnostic.map(|d| vec![convert.diagnostic(d)]),
                            edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))),
                            is_preferred: a.preferred.then_some(true),
                            ..Default::default()
                        })
                    })
                    .collect()
            })
            .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A query that panics (a bug in a feature) must cost one answer, not the
    // server: `blocking` turns the panic into `None`, which every handler
    // answers as "nothing here".
    #[tokio::test]
    async fn a_panicking_query_is_an_empty_answer() {
        let answer: Option<usize> = blocking(|| panic!("a bug in a feature")).await;
        assert_eq!(answer, None);
        let doc = Arc::new(ide::Doc::analyze("t.wf", "workflow t {}\n"));
        let outline = blocking(move || doc.symbols().len()).await;
        assert_eq!(outline, Some(1), "the pool serves the next query");
    }
}
