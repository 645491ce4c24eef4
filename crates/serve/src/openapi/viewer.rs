//! `/api/v1/docs`: the OpenAPI document as a page of the dashboard's look,
//! rendered on the server from the document itself (nothing fetched, no
//! script needed): each operation with its parameters, request body,
//! answers by status with their schemas and an example `curl`, then every
//! schema with its fields. Descriptions are Markdown (the `markdown` module beside it).

use super::markdown::{escape, html};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Value as Safe;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

#[derive(Serialize)]
struct Tag {
    name: String,
    description: Safe,
    ops: Vec<Op>,
}

#[derive(Serialize)]
struct Op {
    /// Its anchor: `op-` and its operation id.
    id: String,
    method: String,
    path: String,
    description: Safe,
    /// What the operation needs: a key, or nothing.
    access: &'static str,
    params: Vec<Field>,
    body: Option<Body>,
    answers: Vec<Answer>,
    curl: String,
}

#[derive(Serialize)]
struct Field {
    name: String,
    /// `path`, `query`, `header` for a parameter; empty for a field.
    place: String,
    ty: Safe,
    required: bool,
    description: Safe,
}

#[derive(Serialize)]
struct Body {
    media: Vec<Media>,
    description: Safe,
}

#[derive(Serialize)]
struct Media {
    media: String,
    ty: Safe,
}

#[derive(Serialize)]
struct Answer {
    status: String,
    description: Safe,
    media: Vec<Media>,
}

#[derive(Serialize)]
struct Schema {
    name: String,
    description: Safe,
    /// What it is, when it is not an object of fields (an enum, one of…).
    kind: Option<Safe>,
    /// The schemas whose fields it has too (an `allOf`).
    includes: Vec<Safe>,
    fields: Vec<Field>,
}

/// `GET /api/v1/docs`.
pub async fn page() -> Response {
    static PAGE: OnceLock<Result<String, String>> = OnceLock::new();
    match PAGE.get_or_init(render) {
        Ok(page) => (crate::dashboard::security_headers(), Html(page.as_str())).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the API's page");
            let status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            (status, "the page cannot be rendered").into_response()
        }
    }
}

/// The page, from the document.
fn render() -> Result<String, String> {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(super::ApiDoc::openapi()).map_err(|e| e.to_string())?;
    let ctx = minijinja::context! {
        assets => crate::dashboard::assets::version(),
        page => "api",
        user => (),
        title => doc["info"]["title"].as_str().unwrap_or("API"),
        version => doc["info"]["version"].as_str().unwrap_or(""),
        openapi => doc["openapi"].as_str().unwrap_or(""),
        description => md(&doc["info"]["description"]),
        tags => tags(&doc),
        schemas => schemas(&doc),
    };
    crate::dashboard::templates()
        .get_template("api.html")
        .and_then(|t| t.render(ctx))
        .map_err(|e| e.to_string())
}

fn md(v: &Value) -> Safe {
    Safe::from_safe_string(html(v.as_str().unwrap_or("")))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

/// Every operation, under its first tag, in the tags' order.
fn tags(doc: &Value) -> Vec<Tag> {
    let mut tags: Vec<Tag> = (doc["tags"].as_array().into_iter().flatten())
        .map(|t| Tag {
            name: text(&t["name"]),
            description: md(&t["description"]),
            ops: Vec::new(),
        })
        .collect();
    let empty = Map::new();
    for (path, item) in doc["paths"].as_object().unwrap_or(&empty) {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let tag = op["tags"][0].as_str().unwrap_or("other");
            let at = match tags.iter().position(|t| t.name == tag) {
                Some(at) => at,
                None => {
                    tags.push(Tag {
                        name: tag.to_owned(),
                        description: Safe::from(""),
                        ops: Vec::new(),
                    });
                    tags.len() - 1
                }
            };
            tags[at].ops.push(operation(path, method, op));
        }
    }
    tags.retain(|t| !t.ops.is_empty());
    tags
}

fn operation(path: &str, method: &str, op: &Value) -> Op {
    let keyed = (op["security"].as_array().into_iter().flatten())
        .any(|s| s.as_object().is_some_and(|s| !s.is_empty()));
    let open = (op["security"].as_array().into_iter().flatten())
        .any(|s| s.as_object().is_some_and(|s| s.is_empty()));
    let access = match (keyed, open) {
        (true, true) => "an API key, or none where the route says why",
        (true, false) => "an API key: Authorization: Bearer KEY",
        _ => "no key",
    };
    let params = (op["parameters"].as_array().into_iter().flatten())
        .map(|p| Field {
            name: text(&p["name"]),
            place: text(&p["in"]),
            ty: Safe::from_safe_string(ty(&p["schema"])),
            required: p["required"].as_bool().unwrap_or(false),
            description: md(&p["description"]),
        })
        .collect();
    let body = op.get("requestBody").map(|b| Body {
        media: media(&b["content"]),
        description: md(&b["description"]),
    });
    let answers = (op["responses"].as_object().into_iter().flatten())
        .map(|(status, r)| Answer {
            status: status.clone(),
            description: md(&r["description"]),
            media: media(&r["content"]),
        })
        .collect();
    let description = match op["description"].as_str() {
        Some(_) => md(&op["description"]),
        None => md(&op["summary"]),
    };
    Op {
        id: format!("op-{}", text(&op["operationId"])),
        method: method.to_owned(),
        path: path.to_owned(),
        description,
        access,
        params,
        curl: curl(path, method, op, keyed),
        body,
        answers,
    }
}

fn media(content: &Value) -> Vec<Media> {
    (content.as_object().into_iter().flatten())
        .map(|(media, c)| Media {
            media: media.clone(),
            ty: Safe::from_safe_string(match c.get("schema") {
                Some(s) => ty(s),
                None => String::new(),
            }),
        })
        .collect()
}

/// An example call: the server's URL from `$WFC_SERVER`, the key from
/// `$WFC_API_KEY`, each path parameter a shell variable.
fn curl(path: &str, method: &str, op: &Value, keyed: bool) -> String {
    let mut parts = vec!["curl".to_owned()];
    let streams = (op["responses"].as_object().into_iter().flatten())
        .any(|(_, r)| r["content"].get("text/event-stream").is_some());
    if streams && method == "get" {
        parts.push("-N".into());
    }
    if keyed {
        parts.push("-H \"Authorization: Bearer $WFC_API_KEY\"".into());
    }
    let body = &op["requestBody"]["content"];
    if body.get("application/json").is_some() {
        parts.push("-H 'Content-Type: application/json' -d '{}'".into());
        if path == "/mcp" {
            parts.push("-H 'Accept: application/json, text/event-stream'".into());
        }
    } else if body.get("text/plain").is_some() {
        parts.push("--data-binary @deploy.wf".into());
    }
    let implied = match method {
        "get" => true,
        "post" => !body.is_null(),
        _ => false,
    };
    if !implied {
        parts.push(format!("-X {}", method.to_uppercase()));
    }
    let mut url = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        url.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        url.push('$');
        url.push_str(&rest[open + 1..close].to_uppercase());
        rest = rest.get(close + 1..).unwrap_or("");
    }
    url.push_str(rest);
    parts.push(format!("\"$WFC_SERVER{url}\""));
    parts.join(" ")
}

/// A schema's type in words, as HTML: other schemas are links to them.
fn ty(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        let name = escape(name);
        return format!("<a href=\"#schema-{name}\"><code>{name}</code></a>");
    }
    for (key, word) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(parts) = s[key].as_array() {
            let parts: Vec<String> = parts.iter().map(ty).collect();
            return parts.join(word);
        }
    }
    if let Some(values) = s["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", escape(&v.to_string())))
            .collect();
        return format!("one of {}", values.join(", "));
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        return "any JSON value".into();
    }
    let words: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "array" => format!("array of {}", ty(&s["items"])),
            "object" => match s.get("additionalProperties") {
                Some(v) if v.is_object() => format!("map of {}", ty(v)),
                _ => "object".into(),
            },
            "integer" | "number" | "string" => match s["format"].as_str() {
                Some(f) => format!("{t} ({})", escape(f)),
                None => (*t).to_owned(),
            },
            other => escape(other),
        })
        .collect();
    words.join(" or ")
}

/// Every schema of the document, with its fields.
fn schemas(doc: &Value) -> Vec<Schema> {
    let empty = Map::new();
    let all = doc["components"]["schemas"].as_object().unwrap_or(&empty);
    all.iter()
        .map(|(name, s)| {
            let mut includes = Vec::new();
            let mut fields = Vec::new();
            let parts: Vec<&Value> = match s["allOf"].as_array() {
                Some(parts) => parts.iter().collect(),
                None => vec![s],
            };
            for part in parts {
                if part.get("$ref").is_some() {
                    includes.push(Safe::from_safe_string(ty(part)));
                } else {
                    fields.extend(object_fields(part));
                }
            }
            let is_object = s.get("properties").is_some() || s.get("allOf").is_some();
            Schema {
                name: name.clone(),
                description: md(&s["description"]),
                kind: (!is_object).then(|| Safe::from_safe_string(ty(s))),
                includes,
                fields,
            }
        })
        .collect()
}

fn object_fields(s: &Value) -> Vec<Field> {
    let required: Vec<&str> = (s["required"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    (s["properties"].as_object().into_iter().flatten())
        .map(|(name, p)| Field {
            name: name.clone(),
            place: String::new(),
            ty: Safe::from_safe_string(ty(p)),
            required: required.contains(&name.as_str()),
            description: md(&p["description"]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_as_words_with_links() {
        assert_eq!(ty(&json!({"type": ["string", "null"]})), "string or null");
        assert_eq!(
            ty(&json!({"type": "array", "items": {"$ref": "#/components/schemas/RunItem"}})),
            "array of <a href=\"#schema-RunItem\"><code>RunItem</code></a>"
        );
        assert_eq!(
            ty(
                &json!({"type": "object", "additionalProperties": {"type": "integer", "format": "int64"}})
            ),
            "map of integer (int64)"
        );
        assert_eq!(ty(&json!({})), "any JSON value");
        assert_eq!(
            ty(&json!({"enum": ["a", "<b>"]})),
            "one of <code>&quot;a&quot;</code>, <code>&quot;&lt;b&gt;&quot;</code>"
        );
    }

    #[test]
    fn examples_call_with_the_key_and_the_path_as_variables() {
        let op = json!({"security": [{"bearer": []}], "responses": {}});
        assert_eq!(
            curl("/api/v1/runs/{id}", "delete", &op, true),
            "curl -H \"Authorization: Bearer $WFC_API_KEY\" -X DELETE \"$WFC_SERVER/api/v1/runs/$ID\""
        );
        let start = json!({"requestBody": {"content": {"application/json": {}}}, "responses": {}});
        assert_eq!(
            curl("/api/v1/workflows/{name}/runs", "post", &start, true),
            "curl -H \"Authorization: Bearer $WFC_API_KEY\" -H 'Content-Type: application/json' -d '{}' \"$WFC_SERVER/api/v1/workflows/$NAME/runs\""
        );
    }

    #[test]
    fn the_page_renders_every_operation_and_schema() {
        let page = render().unwrap();
        assert!(page.contains("id=\"op-getRun\""), "no getRun");
        assert!(page.contains("id=\"schema-RunStepPage\""), "no RunStepPage");
        assert!(page.contains("id=\"op-deliverWebhook\"") && page.contains("id=\"op-mcpMessage\""));
        assert!(
            !page.contains("src=\"http"),
            "the page loads from elsewhere"
        );
        assert!(!page.contains("`"), "Markdown left as it was written");
    }
}
