//! A program on the REST API: bearer token, JSON in and out, and every answer checked against
//! the OpenAPI document (`shared/app/src/http/api/openapi.yaml`): its status must be one the
//! document lists for the operation, and its body must match that response's schema.

use std::sync::LazyLock;

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Map, Value};

use crate::app::TestApp;

/// The OpenAPI document, read as JSON.
pub struct Spec {
    pub doc: Value,
}

pub static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

impl Spec {
    fn load() -> Self {
        let path = crate::repo_path("shared/app/src/http/api/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("the OpenAPI document");
        let doc: Value = serde_norway::from_str(&text).expect("the OpenAPI document is YAML");
        Self { doc }
    }

    pub fn paths(&self) -> &Map<String, Value> {
        self.doc["paths"].as_object().expect("paths")
    }

    /// The documented path pattern a concrete path falls under (static segments win).
    pub fn pattern_of(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, &String)> = None;
        for pattern in self.paths().keys() {
            let parts: Vec<&str> = pattern.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut statics = 0;
            let fits = parts.iter().zip(&segments).all(|(p, s)| {
                if p.starts_with('{') {
                    !s.is_empty()
                } else {
                    statics += usize::from(p == s);
                    p == s
                }
            });
            if fits && best.is_none_or(|(n, _)| statics > n) {
                best = Some((statics, pattern));
            }
        }
        best.map(|(_, p)| p.clone())
    }

    /// Follows a local `$ref` (`#/components/...`).
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.strip_prefix('#').expect("a local reference");
                self.resolve(self.doc.pointer(pointer).expect("the reference exists"))
            }
            None => value,
        }
    }

    /// Checks one answer against the document; panics with what is wrong.
    pub fn check(&self, method: &Method, path: &str, status: StatusCode, body: &Value) {
        let pattern = self
            .pattern_of(path)
            .unwrap_or_else(|| panic!("{path} is not in the OpenAPI document"));
        let operation = &self.paths()[&pattern][method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {pattern} is not in the OpenAPI document"
        );
        let responses = &operation["responses"];
        let response = responses
            .get(status.as_str())
            .or_else(|| responses.get("default"))
            .unwrap_or_else(|| {
                panic!(
                    "{method} {pattern} answered {status}, which the document does not list: {body}"
                )
            });
        let response = self.resolve(response);
        let Some(schema) = response.pointer("/content/application~1json/schema") else {
            return;
        };
        let mut root = schema.clone();
        if let Value::Object(map) = &mut root {
            map.insert("components".into(), self.doc["components"].clone());
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .expect("the response schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} ({status}) does not match its schema:\n{}\n{body:#}",
            errors.join("\n")
        );
    }
}

/// An answer of the API.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
}

impl ApiClient {
    pub fn new(app: &TestApp, token: &str) -> Self {
        Self::at(&app.host.base_url, token)
    }

    /// A client of the API at `base_url` (a Tiketi's base URL).
    pub fn at(base_url: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: Some(token.to_owned()),
        }
    }

    /// A client that sends no token.
    pub fn anonymous(app: &TestApp) -> Self {
        Self {
            token: None,
            ..Self::new(app, "")
        }
    }

    /// Sends a request and checks the answer against the document.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let answer = request.send().await.expect("the API answers");
        let status = answer.status();
        let headers = answer.headers().clone();
        let text = answer.text().await.expect("a body");
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path} ({status}) answered non-JSON: {text}"));
        SPEC.check(&method, path, status, &body);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// A GET that must succeed; its body.
    pub async fn ok(&self, path: &str) -> Value {
        let answer = self.get(path).await;
        assert_eq!(answer.status, StatusCode::OK, "GET {path}: {}", answer.body);
        answer.body
    }

    /// Every item of a listing, following `next_cursor` with pages of `limit`.
    pub async fn all(&self, path: &str, limit: usize) -> Vec<Value> {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{path}{join}limit={limit}");
            if let Some(cursor) = &cursor {
                url.push_str(&format!("&cursor={cursor}"));
            }
            let page = self.ok(&url).await;
            let data = page["data"].as_array().expect("data").clone();
            assert!(data.len() <= limit, "a page holds at most limit items");
            items.extend(data);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }
}

/// The error code of an error answer.
pub fn error_code(answer: &Answer) -> &str {
    answer.body["error"]["code"].as_str().unwrap_or_default()
}
