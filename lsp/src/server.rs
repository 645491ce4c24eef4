//! The tower-lsp backend: the requests and notifications of the protocol.
//!
//! The documents, their analyses and when diagnostics are published live in
//! [`crate::documents`]: one analysis per document at a time, the newest
//! text wins, requests are answered from the last finished analysis.
//! Queries run on the blocking pool, so a slow one never stalls the message
//! loop, and a panic inside a query becomes an empty answer, not a crash.

use crate::convert;
use crate::documents::{Shared, Snapshot};
use crate::lines::LineIndex;
use crate::tokens;
use crate::workspace;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
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
    /// While changes keep coming, diagnostics are recomputed at least this
    /// often: the quiet period is cut short when the oldest unpublished
    /// change is this old.
    pub max_wait: Duration,
    /// How long completion waits for the analysis of the text being typed
    /// before it answers from that text's lexer alone.
    pub completion_wait: Duration,
    /// Where std modules are written for go to definition
    /// ([`workspace::default_std_dir`]); `None`: definitions stop at std.
    pub std_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            debounce: Duration::from_millis(15),
            // An analysis starts at most this long after the last publish;
            // the analysis itself comes on top and must still end within 1 s.
            max_wait: Duration::from_millis(800),
            completion_wait: Duration::from_millis(20),
            std_dir: workspace::default_std_dir(),
        }
    }
}

/// At most this many completion items are sent; the list is then marked
/// incomplete, so the editor asks again as the user types more of the word.
const MAX_COMPLETIONS: usize = 200;

impl Snapshot {
    /// A place of the definition answer, in whichever file it is.
    fn location(&self, place: &ide::Place) -> Option<Location> {
        let Some(key) = &place.file else {
            return Some(self.convert().location(&place.span));
        };
        let text = self.doc().file_text(key)?;
        let uri = workspace::uri_of(key, self.std_dir.as_deref())?;
        let range = LineIndex::new(text).range(text, &place.span);
        Some(Location::new(uri, range))
    }
}

/// The tower-lsp language server: the open documents and their analyses.
pub struct Backend {
    shared: Arc<Shared>,
    /// The client watches files for us (`workspace/didChangeWatchedFiles`
    /// with dynamic registration): set at `initialize`.
    watch_files: std::sync::atomic::AtomicBool,
}

/// Which analysis a request is answered from.
enum From {
    /// The last finished one (the first is waited for).
    Cache,
    /// The one of the current text, waited for: the answer edits it.
    Current,
    /// The current text's if it lands within a moment, else the current
    /// text lexed only.
    Lexer,
}

impl Backend {
    pub fn new(client: Client, options: Options) -> Backend {
        Backend {
            shared: Arc::new(Shared::new(client, options)),
            watch_files: Default::default(),
        }
    }

    /// Runs a query on a snapshot, off the message loop.
    async fn query<T: Send + 'static>(
        &self,
        uri: &Url,
        from: From,
        f: impl FnOnce(&Snapshot) -> T + Send + 'static,
    ) -> Option<T> {
        let snap = match from {
            From::Cache => self.shared.snapshot(uri).await?,
            From::Current => self.shared.current(uri).await?,
            From::Lexer => self.shared.completion_snapshot(uri).await?,
        };
        blocking(move || f(&snap)).await
    }

    /// Semantic tokens from the cache, computed once per analysis; with
    /// `previous`, as the edit from the tokens sent under that result id.
    async fn tokens(
        &self,
        uri: &Url,
        previous: Option<String>,
    ) -> Option<SemanticTokensFullDeltaResult> {
        let now = self
            .query(uri, From::Cache, |s| {
                s.analysed
                    .tokens
                    .get_or_init(|| {
                        let tokens = s.doc().semantic_tokens();
                        Arc::new(s.convert().semantic_tokens(&tokens))
                    })
                    .clone()
            })
            .await?;
        let (sent, result_id) = self.shared.swap_sent_tokens(uri, now.clone());
        let result_id = Some(result_id);
        match (previous, sent) {
            (Some(p), Some((id, old))) if p == id => {
                let edits = blocking(move || tokens::delta(&old, &now)).await?;
                Some(SemanticTokensFullDeltaResult::TokensDelta(
                    SemanticTokensDelta { result_id, edits },
                ))
            }
            _ => Some(SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                result_id,
                data: now.to_vec(),
            })),
        }
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
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
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
                full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
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
        let _ = self
            .shared
            .client
            .register_capability(vec![registration])
            .await;
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        for change in p.changes {
            // An open buffer is what its importers read, not the disk.
            if !self.shared.is_open(&change.uri) {
                self.shared.recheck_importers(&change.uri);
            }
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let uri = p.text_document.uri;
        let (text, version) = (p.text_document.text, p.text_document.version);
        self.shared.set_text(uri.clone(), text, version, true);
        // Its importers read it from disk so far; the buffer may differ.
        self.shared.recheck_importers(&uri);
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = p.content_changes.into_iter().last() else {
            return;
        };
        let uri = p.text_document.uri;
        let version = p.text_document.version;
        self.shared
            .set_text(uri.clone(), change.text, version, false);
        self.shared.recheck_importers(&uri);
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        self.shared.close(&uri);
        self.shared
            .client
            .publish_diagnostics(uri.clone(), Vec::new(), None)
            .await;
        // Its importers read it from disk again; what it imported is no
        // longer published for by it.
        self.shared.recheck_importers(&uri);
        self.shared.publish_imported(&uri, Vec::new()).await;
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let pos = p.text_document_position;
        let at = pos.position;
        Ok(self
            .query(&pos.text_document.uri, From::Lexer, move |s| {
                let convert = s.convert();
                let offset = convert.offset(at);
                let mut items = s.doc().completion(offset);
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
            .query(&pos.text_document.uri, From::Cache, move |s| {
                let convert = s.convert();
                s.doc().hover(convert.offset(at)).map(|h| Hover {
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
            .query(&pos.text_document.uri, From::Cache, move |s| {
                let place = s.doc().definition_place(s.convert().offset(at))?;
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
            .query(&pos.text_document.uri, From::Cache, move |s| {
                let convert = s.convert();
                let spans = s.doc().references(convert.offset(at), decl);
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
            .query(&p.text_document.uri, From::Current, move |s| {
                let convert = s.convert();
                s.doc()
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
            .query(&pos.text_document.uri, From::Current, move |s| {
                let convert = s.convert();
                let edits = s.doc().rename(convert.offset(at), &p.new_name)?;
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
            .query(&p.text_document.uri, From::Cache, |s| {
                let convert = s.convert();
                let symbols = s.doc().symbols();
                DocumentSymbolResponse::Nested(
                    symbols.into_iter().map(|x| convert.symbol(x)).collect(),
                )
            })
            .await)
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self
            .query(&p.text_document.uri, From::Lexer, |s| {
                let formatted = s.doc().format()?;
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
        Ok(match self.tokens(&p.text_document.uri, None).await {
            Some(SemanticTokensFullDeltaResult::Tokens(t)) => Some(SemanticTokensResult::Tokens(t)),
            _ => None,
        })
    }

    async fn semantic_tokens_full_delta(
        &self,
        p: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let previous = Some(p.previous_result_id);
        Ok(self.tokens(&p.text_document.uri, previous).await)
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self
            .query(&p.text_document.uri, From::Cache, |s| {
                let convert = s.convert();
                s.doc()
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
            .query(&p.text_document.uri, From::Current, move |s| {
                let convert = s.convert();
                let span = convert.offset(range.start)..convert.offset(range.end);
                let actions = s.doc().code_actions(span);
                if actions.is_empty() {
                    return Vec::new();
                }
                let diags = s.doc().diagnostics();
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
