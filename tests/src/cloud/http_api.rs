//! The HTTP API of `template.yaml` (resource `HttpApi`, an OpenAPI `DefinitionBody` with Lambda
//! proxy integrations), and API Gateway's route selection: exact routes before routes with path
//! variables, the most specific of those first, greedy `{proxy+}` routes last, a specific
//! method before `ANY`.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::template::{Template, TemplateError, scalar};

/// A Lambda function of the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub logical_id: String,
    /// Its deployed name (`FunctionName`).
    pub name: String,
    /// The cargo binary it runs (`Metadata.BuildProperties.Binary`).
    pub binary: String,
}

/// One route of the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// `None`: `ANY` (`x-amazon-apigateway-any-method`).
    pub method: Option<String>,
    pub path: String,
    /// The binary of the function its integration invokes.
    pub binary: String,
}

impl ApiRoute {
    /// API Gateway's route key, as the event's `routeKey` carries it.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method.as_deref().unwrap_or("ANY"), self.path)
    }
}

fn invalid(message: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(message.into())
}

/// The stack's Lambda functions (`AWS::Serverless::Function`).
pub fn functions(template: &Template) -> Result<Vec<Function>, TemplateError> {
    template
        .resources_of("AWS::Serverless::Function")
        .iter()
        .map(|r| {
            let properties = r
                .properties()
                .ok_or_else(|| invalid(format!("{} has no properties", r.logical_id)))?;
            let name = match properties.get("FunctionName") {
                Some(name) => template.resolve_str(name)?,
                None => format!("{}-{}", template.stack_name(), r.logical_id),
            };
            let binary = r
                .metadata()
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .map(scalar)
                .transpose()?
                .ok_or_else(|| invalid(format!("{} names no Binary", r.logical_id)))?;
            Ok(Function {
                logical_id: r.logical_id.to_owned(),
                name,
                binary,
            })
        })
        .collect()
}

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// The routes of the `HttpApi` resource's `DefinitionBody`.
pub fn routes(template: &Template) -> Result<Vec<ApiRoute>, TemplateError> {
    let functions = functions(template)?;
    let api = template
        .resources_of("AWS::Serverless::HttpApi")
        .into_iter()
        .next()
        .ok_or_else(|| invalid("no AWS::Serverless::HttpApi"))?;
    let paths = api
        .properties()
        .and_then(|p| p.get("DefinitionBody"))
        .and_then(|d| d.get("paths"))
        .and_then(Value::as_mapping)
        .ok_or_else(|| invalid("the HTTP API has no DefinitionBody paths"))?;
    let mut routes = Vec::new();
    for (path, operations) in paths {
        let path = scalar(path)?;
        let operations = operations
            .as_mapping()
            .ok_or_else(|| invalid(format!("{path}: operations expected")))?;
        for (method, operation) in operations {
            let method = scalar(method)?;
            let method = match method.as_str() {
                "x-amazon-apigateway-any-method" => None,
                m if METHODS.contains(&m) => Some(m.to_uppercase()),
                other => return Err(invalid(format!("{path}: unknown method {other}"))),
            };
            let integration = operation
                .get("x-amazon-apigateway-integration")
                .ok_or_else(|| invalid(format!("{path}: no integration")))?;
            let uri = template.resolve_str(
                integration
                    .get("uri")
                    .ok_or_else(|| invalid(format!("{path}: integration without uri")))?,
            )?;
            let name = function_name_in_uri(&uri)
                .ok_or_else(|| invalid(format!("{path}: not a Lambda integration: {uri}")))?;
            let function = functions
                .iter()
                .find(|f| f.name == name)
                .ok_or_else(|| invalid(format!("{path}: no function named {name}")))?;
            routes.push(ApiRoute {
                method,
                path: path.clone(),
                binary: function.binary.clone(),
            });
        }
    }
    Ok(routes)
}

/// `…:function:<name>/invocations` or `…:function:<name>:<alias>/invocations` → `<name>`.
fn function_name_in_uri(uri: &str) -> Option<&str> {
    let after = &uri[uri.find(":function:")? + ":function:".len()..];
    let name = after.split('/').next()?;
    Some(name.split(':').next().unwrap_or(name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    Literal(&'a str),
    Variable(&'a str),
    Greedy(&'a str),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    path.trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(name) => Segment::Greedy(name),
                    None => Segment::Variable(name),
                },
                None => Segment::Literal(s),
            },
        )
        .collect()
}

/// The path parameters if `path` matches `pattern`.
pub fn match_path(pattern: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let wanted = segments(pattern);
    let given: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut parameters = BTreeMap::new();
    for (i, segment) in wanted.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                // A greedy variable catches one or more child segments, never none:
                // `/{proxy+}` does not take `/`, nor `/portal/{proxy+}` `/portal` or `/portal/`.
                let rest = given.get(i..).unwrap_or_default().join("/");
                if rest.is_empty() {
                    return None;
                }
                parameters.insert((*name).to_owned(), rest);
                return Some(parameters);
            }
            Segment::Literal(literal) => {
                if given.get(i) != Some(literal) {
                    return None;
                }
            }
            Segment::Variable(name) => {
                let value = given.get(i).filter(|v| !v.is_empty())?;
                parameters.insert((*name).to_owned(), (*value).to_owned());
            }
        }
    }
    (given.len() == wanted.len()).then_some(parameters)
}

/// How specific a matching route is; the largest wins.
fn rank(route: &ApiRoute) -> (bool, Vec<u8>, bool) {
    let segments = segments(&route.path);
    let greedy = segments.iter().any(|s| matches!(s, Segment::Greedy(_)));
    let literals = segments
        .iter()
        .map(|s| u8::from(matches!(s, Segment::Literal(_))))
        .collect();
    (!greedy, literals, route.method.is_some())
}

/// The route API Gateway selects for a request, with its path parameters.
pub fn select<'a>(
    routes: &'a [ApiRoute],
    method: &str,
    path: &str,
) -> Option<(&'a ApiRoute, BTreeMap<String, String>)> {
    routes
        .iter()
        .filter(|r| {
            r.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })
        .filter_map(|r| match_path(&r.path, path).map(|p| (r, p)))
        .max_by_key(|(r, _)| rank(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Option<&str>, path: &str, binary: &str) -> ApiRoute {
        ApiRoute {
            method: method.map(str::to_owned),
            path: path.into(),
            binary: binary.into(),
        }
    }

    #[test]
    fn selection_prefers_literals_then_variables_then_greedy() {
        let routes = [
            route(Some("GET"), "/checkout/{operator}/{router}", "a"),
            route(Some("GET"), "/checkout/{operator}/recover", "b"),
            route(None, "/portal/{proxy+}", "c"),
            route(None, "/portal", "d"),
            route(Some("GET"), "/portal/special", "e"),
        ];
        let pick = |m, p| select(&routes, m, p).map(|(r, params)| (r.binary.clone(), params));
        assert_eq!(pick("GET", "/checkout/op/recover").unwrap().0, "b");
        let (binary, params) = pick("GET", "/checkout/op/r1").unwrap();
        assert_eq!(binary, "a");
        assert_eq!(params["router"], "r1");
        assert_eq!(pick("POST", "/checkout/op/r1"), None, "method must match");
        assert_eq!(pick("GET", "/portal").unwrap().0, "d");
        let (binary, params) = pick("DELETE", "/portal/a/b").unwrap();
        assert_eq!((binary.as_str(), params["proxy"].as_str()), ("c", "a/b"));
        assert_eq!(pick("GET", "/portal/special").unwrap().0, "e");
        assert_eq!(pick("POST", "/portal/special").unwrap().0, "c");
        assert_eq!(pick("GET", "/nowhere"), None);
        assert_eq!(pick("GET", "/checkout/op"), None);
    }

    #[test]
    fn a_root_catch_all_takes_only_what_no_other_route_takes() {
        let routes = [
            route(Some("GET"), "/", "home"),
            route(None, "/{proxy+}", "home"),
            route(Some("GET"), "/checkout/{operator}/{router}", "checkout"),
            route(Some("POST"), "/checkout/{operator}/{router}", "checkout"),
            route(Some("GET"), "/health", "checkout"),
            route(None, "/portal", "portal"),
            route(None, "/portal/{proxy+}", "portal"),
            route(Some("POST"), "/routers/{operator}/{router}/sync", "rsc"),
        ];
        let pick = |m, p| select(&routes, m, p).map(|(r, params)| (r.route_key(), params));
        // Specific routes, with or without variables, and longer greedy routes win.
        assert_eq!(pick("GET", "/health").unwrap().0, "GET /health");
        assert_eq!(
            pick("GET", "/checkout/op/r1").unwrap().0,
            "GET /checkout/{operator}/{router}"
        );
        assert_eq!(pick("GET", "/portal").unwrap().0, "ANY /portal");
        assert_eq!(
            pick("POST", "/portal/a/b").unwrap().0,
            "ANY /portal/{proxy+}"
        );
        assert_eq!(
            pick("POST", "/routers/o/r/sync").unwrap().0,
            "POST /routers/{operator}/{router}/sync"
        );
        // `/` is its own route: a greedy variable needs at least one segment.
        assert_eq!(pick("GET", "/").unwrap().0, "GET /");
        assert_eq!(pick("POST", "/"), None, "only GET / is routed");
        // The rest goes to the catch-all: wrong method, too many or too few segments, nothing.
        for (method, path, proxy) in [
            ("GET", "/nope", "nope"),
            ("GET", "/routers/o/r/sync", "routers/o/r/sync"),
            ("GET", "/checkout/x/y/z/w", "checkout/x/y/z/w"),
            ("GET", "/checkout/x", "checkout/x"),
            ("DELETE", "/health", "health"),
            ("GET", "/favicon.ico", "favicon.ico"),
        ] {
            let (key, params) = pick(method, path).unwrap();
            assert_eq!(key, "ANY /{proxy+}", "{method} {path}");
            assert_eq!(params["proxy"], proxy);
        }
        assert!(match_path("/{proxy+}", "/").is_none());
        assert!(match_path("/portal/{proxy+}", "/portal/").is_none());
        assert!(match_path("/portal/{proxy+}", "/portal").is_none());
    }

    #[test]
    fn function_names_come_out_of_integration_uris() {
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:tiketi-rsc/invocations";
        assert_eq!(function_name_in_uri(uri), Some("tiketi-rsc"));
        let alias = "arn:aws:lambda:us-east-1:1:function:tiketi-rsc:live/invocations";
        assert_eq!(function_name_in_uri(alias), Some("tiketi-rsc"));
    }
}
