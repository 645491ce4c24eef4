//! The Markdown of the document's descriptions (the handlers' doc
//! comments) as HTML: paragraphs, `- ` lists, `code`, **strong**, links
//! and rustdoc's [`path`] links (shown as code). Everything is escaped
//! first; only these constructs make tags, so no text becomes markup.

/// `text` as HTML.
pub fn html(text: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    let flush_para = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>", inline(&para.join(" "))));
            para.clear();
        }
    };
    let flush_items = |items: &mut Vec<String>, out: &mut String| {
        if !items.is_empty() {
            out.push_str("<ul>");
            for item in items.drain(..) {
                out.push_str(&format!("<li>{}</li>", inline(&item)));
            }
            out.push_str("</ul>");
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            flush_para(&mut para, &mut out);
            flush_items(&mut items, &mut out);
        } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            flush_para(&mut para, &mut out);
            items.push(item.to_owned());
        } else if let Some(last) = items.last_mut() {
            // A list item's next line.
            last.push(' ');
            last.push_str(line);
        } else {
            para.push(line);
        }
    }
    flush_para(&mut para, &mut out);
    flush_items(&mut items, &mut out);
    out
}

/// One line's code spans, strong text and links, the rest escaped.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                out.push_str(&format!("<code>{}</code>", escape(&after[..end])));
                rest = &after[end + 1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**").filter(|e| *e > 0) {
                out.push_str(&format!("<strong>{}</strong>", inline(&after[..end])));
                rest = &after[end + 2..];
                continue;
            }
        }
        if rest.starts_with('[') {
            if let Some((html, len)) = link(rest) {
                out.push_str(&html);
                rest = &rest[len..];
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push_str(&escape(&c.to_string()));
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `[text](url)` (a URL of this server or an http(s) one) or rustdoc's
/// `[`path`]` at the start of `text`: its HTML and the bytes it took.
fn link(text: &str) -> Option<(String, usize)> {
    let close = text.find(']')?;
    let label = &text[1..close];
    let after = &text[close + 1..];
    if let Some(target) = after.strip_prefix('(') {
        let end = target.find(')')?;
        let url = &target[..end];
        let safe = url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with('/')
            || url.starts_with('#');
        if safe && !url.contains(char::is_whitespace) {
            let html = format!("<a href=\"{}\">{}</a>", escape(url), inline(label));
            return Some((html, close + 2 + end + 1));
        }
        return None;
    }
    // rustdoc's intra-doc link: only its text.
    let code = label.strip_prefix('`')?.strip_suffix('`')?;
    let shown = code.rsplit("::").next().unwrap_or(code);
    Some((format!("<code>{}</code>", escape(shown)), close + 1))
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_markdown_descriptions_use_and_escapes_the_rest() {
        assert_eq!(
            html("Lists `runs`, **newest**\nfirst.\n\n- one\n  more\n- [docs](https://x.test/a?b=1&c)"),
            "<p>Lists <code>runs</code>, <strong>newest</strong> first.</p>\
             <ul><li>one more</li><li><a href=\"https://x.test/a?b=1&amp;c\">docs</a></li></ul>"
        );
        assert_eq!(
            inline("see [`wfc_store::query::RunDetail`]"),
            "see <code>RunDetail</code>"
        );
        assert_eq!(
            inline("<script>alert(1)</script> `<b>` [x](javascript:alert(1))"),
            "&lt;script&gt;alert(1)&lt;/script&gt; <code>&lt;b&gt;</code> [x](javascript:alert(1))"
        );
        assert_eq!(inline("a [b] and `unclosed"), "a [b] and `unclosed");
    }
}
