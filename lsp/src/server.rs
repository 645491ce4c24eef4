//! The tower-lsp backend: document store, debounced reanalysis, requests.
//!
//! Every document keeps its latest text and the analysis of some version of
//! it. A change stores the new text at once (in order, without awaiting) and
//! schedules a diagnostics run after a short quiet period; a request first
//! brings the analysis up to date with the current text. Analyses and engine
//! queries run on the blocking pool, so a slow one never stalls the message
//! loop, and a panic inside the engine becomes an empty answer, not a crash.

use crate::convert::{self, Doc};
use crate::engine::{Analysis, Engine};
use crate::lines::LineIndex;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_lsp::jsonrpc::{Error, Result};
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

/// How the server behaves; [`Default`] is what `wfc lsp` uses.
#[derive(Clone, Debug)]
pub struct Options {
    /// The quiet period after a change before diagnostics are recomputed.
    pub debounce: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            debounce: Duration::from_millis(15),
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
    analysis: Option<(u64, Arc<dyn Analysis>)>,
}

/// A consistent view of a document for one request.
pub(crate) struct Snapshot {
    uri: Url,
    text: Arc<str>,
    lines: Arc<LineIndex>,
    analysis: Arc<dyn Analysis>,
}

impl Snapshot {
    fn doc(&self) -> Doc<'_> {
        Doc {
            uri: &self.uri,
            text: &self.text,
            lines: &self.lines,
        }
    }
}

pub struct Backend<E: Engine> {
    client: Client,
    engine: Arc<E>,
    options: Options,
    docs: Arc<Mutex<HashMap<Url, Document>>>,
}

impl<E: Engine> Backend<E> {
    pub fn new(client: Client, engine: Arc<E>, options: Options) -> Backend<E> {
        Backend {
            client,
            engine,
            options,
            docs: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, HashMap<Url, Document>> {
        // A panic while holding the lock cannot leave a document half-written
        // (every update is a plain assignment), so a poisoned lock is usable.
        self.docs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The analysis of the current text of `uri` (computed now if stale).
    async fn snapshot(&self, uri: &Url) -> Option<Snapshot> {
        snapshot(&self.docs, &self.engine, uri).await
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
        let engine = self.engine.clone();
        let client = self.client.clone();
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
            let Some(snap) = snapshot(&docs, &engine, &uri).await else {
                return;
            };
            let a = snap.analysis.clone();
            let Some(diags) = blocking(move || a.diagnostics()).await else {
                return;
            };
            let Some((now, version)) = current() else {
                return;
            };
            if Some(now) != generation {
                return;
            }
            let doc = snap.doc();
            let diags = diags.iter().map(|d| doc.diagnostic(d)).collect();
            client
                .publish_diagnostics(uri.clone(), diags, Some(version))
                .await;
        });
    }

    /// Runs an engine query on a fresh snapshot, off the message loop.
    async fn query<T: Send + 'static>(
        &self,
        uri: &Url,
        f: impl FnOnce(&Snapshot) -> T + Send + 'static,
    ) -> Option<T> {
        let snap = self.snapshot(uri).await?;
        blocking(move || f(&snap)).await
    }
}

/// Runs `f` on the blocking pool; `None` if it panicked.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

async fn snapshot<E: Engine>(
    docs: &Mutex<HashMap<Url, Document>>,
    engine: &Arc<E>,
    uri: &Url,
) -> Option<Snapshot> {
    let lock = || docs.lock().unwrap_or_else(|e| e.into_inner());
    let (text, lines, generation, previous) = {
        let docs = lock();
        let d = docs.get(uri)?;
        if let Some((g, a)) = &d.analysis {
            if *g == d.generation {
                return Some(Snapshot {
                    uri: uri.clone(),
                    text: d.text.clone(),
                    lines: d.lines.clone(),
                    analysis: a.clone(),
                });
            }
        }
        let previous = d.analysis.as_ref().map(|(_, a)| a.clone());
        (d.text.clone(), d.lines.clone(), d.generation, previous)
    };
    let engine = engine.clone();
    let (name, input) = (uri.to_string(), text.clone());
    let analysis = blocking(move || engine.analyze(&name, input, previous)).await?;
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
        text,
        lines,
        analysis,
    })
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
impl<E: Engine> LanguageServer for Backend<E> {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "wfc-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {}

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let uri = p.text_document.uri;
        self.set_text(uri.clone(), p.text_document.text, p.text_document.version);
        self.schedule_diagnostics(uri, Duration::ZERO);
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = p.content_changes.into_iter().last() else {
            return;
        };
        let uri = p.text_document.uri;
        self.set_text(uri.clone(), change.text, p.text_document.version);
        self.schedule_diagnostics(uri, self.options.debounce);
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        self.docs().remove(&uri);
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let pos = p.text_document_position;
        let at = pos.position;
        Ok(self
            .query(&pos.text_document.uri, move |s| {
                let doc = s.doc();
                let mut items = s.analysis.completion(doc.offset(at));
                let is_incomplete = items.len() > MAX_COMPLETIONS;
                if is_incomplete {
                    items.sort_by(|a, b| {
                        let key = |c: &crate::engine::CompletionItem| {
                            c.sort_key.clone().unwrap_or_else(|| c.label.clone())
                        };
                        key(a).cmp(&key(b))
                    });
                    items.truncate(MAX_COMPLETIONS);
                }
                let items = items.into_iter().map(|c| doc.completion(c, at)).collect();
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
                let doc = s.doc();
                s.analysis.hover(doc.offset(at)).map(|h| Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: h.markdown,
                    }),
                    range: Some(doc.range(&h.span)),
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
                let doc = s.doc();
                let span = s.analysis.definition(doc.offset(at))?;
                Some(GotoDefinitionResponse::Scalar(doc.location(&span)))
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
                let doc = s.doc();
                let spans = s.analysis.references(doc.offset(at), decl);
                spans.iter().map(|sp| doc.location(sp)).collect()
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
                let doc = s.doc();
                s.analysis
                    .prepare_rename(doc.offset(at))
                    .map(|span| PrepareRenameResponse::Range(doc.range(&span)))
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
                let doc = s.doc();
                let edits = s.analysis.rename(doc.offset(at), &p.new_name)?;
                let edits = edits.iter().map(|e| doc.edit(e)).collect();
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
                let doc = s.doc();
                let symbols = s.analysis.symbols();
                DocumentSymbolResponse::Nested(symbols.into_iter().map(|x| doc.symbol(x)).collect())
            })
            .await)
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self
            .query(&p.text_document.uri, |s| {
                let formatted = s.analysis.format()?;
                if formatted == *s.text {
                    return Some(Vec::new());
                }
                let all = 0..s.text.len();
                Some(vec![TextEdit::new(s.doc().range(&all), formatted)])
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
                    data: s.doc().semantic_tokens(&tokens),
                })
            })
            .await)
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self
            .query(&p.text_document.uri, |s| {
                let doc = s.doc();
                s.analysis
                    .folding_ranges()
                    .iter()
                    .filter_map(|f| doc.fold(f))
                    .collect()
            })
            .await)
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = p.text_document.uri.clone();
        let range = p.range;
        Ok(self
            .query(&p.text_document.uri, move |s| {
                let doc = s.doc();
                let span = doc.offset(range.start)..doc.offset(range.end);
                let actions = s.analysis.code_actions(span);
                if actions.is_empty() {
                    return Vec::new();
                }
                let diags = s.analysis.diagnostics();
                actions
                    .into_iter()
                    .map(|a| {
                        let edits = a.edits.iter().map(|e| doc.edit(e)).collect();
                        let diagnostic = a.diagnostic.and_then(|i| diags.get(i));
                        CodeActionOrCommand::CodeAction(CodeAction {
                            title: a.title,
                            kind: Some(CodeActionKind::QUICKFIX),
                            diagnostics: diagnostic.map(|d| vec![doc.diagnostic(d)]),
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
