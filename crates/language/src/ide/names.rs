//! Names declared in the text, found from the tolerant lexer's tokens.
//!
//! Completion needs the params, steps and blocks of the text being typed,
//! which usually does not parse; these patterns (`param NAME: TYPE`,
//! `step NAME: KIND`, `parallel NAME`, `outputs { NAME: TYPE }`) are found
//! lexically, so names declared a moment ago are offered at once.

use super::lexer::{FrameKind, Lexed, Tok};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    pub params: Vec<ParamName>,
    pub steps: Vec<StepName>,
    /// Named `parallel` blocks.
    pub blocks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamName {
    pub name: String,
    /// The type as written.
    pub ty: String,
    pub secret: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepName {
    pub name: String,
    pub kind: String,
    /// `outputs { name: type }` (a gate's `inputs { … }`) as written.
    pub outputs: Vec<(String, String)>,
    /// Byte offset of the name.
    pub at: usize,
    /// In a handler or a rollback (not in the main graph).
    pub in_region: bool,
}

impl Names {
    pub fn step(&self, name: &str) -> Option<&StepName> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// The byte range of the workflow around `offset` when the text holds more
/// than one (from its `workflow` keyword to the next one's), else `None`.
pub fn workflow_range(text: &str, lexed: &Lexed, offset: usize) -> Option<std::ops::Range<usize>> {
    let starts: Vec<usize> = lexed
        .tokens
        .iter()
        .filter(|t| {
            t.kind == Tok::Ident && t.starts_statement && &text[t.span.clone()] == "workflow"
        })
        .map(|t| t.span.start)
        .collect();
    if starts.len() < 2 {
        return None;
    }
    let i = starts.iter().rposition(|&s| s <= offset).unwrap_or(0);
    Some(starts[i]..starts.get(i + 1).copied().unwrap_or(usize::MAX))
}

/// The names declared by the tokens inside `range`.
pub fn collect(text: &str, lexed: &Lexed, range: std::ops::Range<usize>) -> Names {
    let toks: Vec<_> = lexed
        .tokens
        .iter()
        .filter(|t| t.kind != Tok::Comment && range.contains(&t.span.start))
        .collect();
    let word = |i: usize| toks.get(i).map_or("", |t| &text[t.span.clone()]);
    let mut names = Names::default();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != Tok::Ident || !t.starts_statement {
            continue;
        }
        match word(i) {
            kw @ ("param" | "secret") if toks.get(i + 1).is_some_and(|n| n.kind == Tok::Ident) => {
                let mut ty = String::new();
                if word(i + 2) == ":" {
                    let mut j = i + 3;
                    while j < toks.len()
                        && !toks[j].starts_statement
                        && !matches!(word(j), "in" | "=")
                    {
                        ty.push_str(word(j));
                        j += 1;
                    }
                }
                names.params.push(ParamName {
                    name: word(i + 1).to_string(),
                    ty,
                    secret: kw == "secret",
                });
            }
            "step" if toks.get(i + 1).is_some_and(|n| n.kind == Tok::Ident) => {
                let kind = if word(i + 2) == ":"
                    && toks.get(i + 3).is_some_and(|k| k.kind == Tok::Ident)
                {
                    word(i + 3).to_string()
                } else {
                    String::new()
                };
                names.steps.push(StepName {
                    name: word(i + 1).to_string(),
                    kind,
                    outputs: Vec::new(),
                    at: toks[i + 1].span.start,
                    in_region: lexed
                        .chain(t.frame)
                        .any(|f| matches!(f.kind, FrameKind::FailureHandler | FrameKind::Region)),
                });
            }
            "parallel" | "sequence" => {
                if let Some(n) = toks.get(i + 1) {
                    if n.kind == Tok::Ident && word(i + 1) != "wait" {
                        names.blocks.push(word(i + 1).to_string());
                    }
                }
            }
            _ => {}
        }
    }
    // Declared outputs: `NAME : TYPE` inside `outputs { … }` inside a step.
    let mut by_frame: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for (i, t) in toks.iter().enumerate() {
        if lexed.frames[t.frame].kind == FrameKind::Outputs {
            by_frame.entry(t.frame).or_default().push(i);
        }
    }
    for (f, frame) in lexed.frames.iter().enumerate() {
        if frame.kind != FrameKind::Outputs {
            continue;
        }
        let Some(FrameKind::Step { name, .. }) = frame.parent.map(|p| &lexed.frames[p].kind) else {
            continue;
        };
        let inside = by_frame.remove(&f).unwrap_or_default();
        let mut outputs = Vec::new();
        let mut k = 0;
        while k < inside.len() {
            let i = inside[k];
            if toks[i].kind == Tok::Ident && word(i + 1) == ":" {
                let mut ty = String::new();
                let mut j = i + 2;
                while j < toks.len()
                    && toks[j].frame == f
                    && !matches!(word(j), "," | "}" | "in" | "=")
                    && !(toks[j].starts_statement && j > i + 2)
                {
                    ty.push_str(word(j));
                    j += 1;
                }
                outputs.push((word(i).to_string(), ty));
                k = inside.partition_point(|&x| x < j);
            } else {
                k += 1;
            }
        }
        if let Some(s) = names
            .steps
            .iter_mut()
            .rev()
            .find(|s| s.name == *name && s.at < frame.span.start)
        {
            s.outputs.extend(outputs);
        }
    }
    names
}
