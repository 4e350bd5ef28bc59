//! `template.yaml`, read the way CloudFormation reads it: the short-form tags (`!Ref`,
//! `!GetAtt`, `!Sub`, `!If`, `!Equals`, `!Join`, `!Select`, `!Not`) and their long forms, the
//! parameters and conditions, and the `Globals` section SAM merges into every function.
//!
//! The route parity test and the cloud rehearsal read the stack from here, so what they check
//! is the template itself, never a second copy of it.

use std::collections::BTreeMap;

use serde_norway::{Mapping, Value};

/// A template error: a reference the stack cannot resolve, or a shape CloudFormation rejects.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("not YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("{0}")]
    Invalid(String),
}

type Result<T, E = TemplateError> = std::result::Result<T, E>;

fn invalid(message: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(message.into())
}

/// What a deployed resource answers to `Ref` and `Fn::GetAtt`.
#[derive(Debug, Clone, Default)]
pub struct Physical {
    /// `!Ref` of the resource.
    pub reference: String,
    /// `!GetAtt Resource.Attribute`.
    pub attributes: BTreeMap<String, String>,
}

/// The template with the values of one deployment: parameters, pseudo parameters and the
/// physical ids of the resources created so far.
#[derive(Debug, Clone)]
pub struct Template {
    pub doc: Value,
    pub parameters: BTreeMap<String, String>,
    pub pseudo: BTreeMap<String, String>,
    pub physical: BTreeMap<String, Physical>,
}

/// A resource of the template: its logical id, type and (unresolved) properties.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    pub logical_id: &'a str,
    pub kind: &'a str,
    pub body: &'a Value,
}

impl Resource<'_> {
    pub fn properties(&self) -> Option<&Value> {
        self.body.get("Properties")
    }

    pub fn metadata(&self) -> Option<&Value> {
        self.body.get("Metadata")
    }
}

impl Template {
    /// Reads a template file; parameters start at their defaults.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError::Read(path.display().to_string(), e))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self> {
        let doc: Value = serde_norway::from_str(text)?;
        let mut parameters = BTreeMap::new();
        if let Some(Value::Mapping(params)) = doc.get("Parameters") {
            for (name, spec) in params {
                let name = name.as_str().ok_or_else(|| invalid("parameter name"))?;
                if let Some(default) = spec.get("Default") {
                    parameters.insert(name.to_owned(), scalar(default)?);
                }
            }
        }
        let pseudo = [
            ("AWS::Region", "us-east-1"),
            ("AWS::AccountId", "123456789012"),
            ("AWS::Partition", "aws"),
            ("AWS::StackName", "tiketi"),
            ("AWS::URLSuffix", "amazonaws.com"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Ok(Self {
            doc,
            parameters,
            pseudo,
            physical: BTreeMap::new(),
        })
    }

    pub fn region(&self) -> &str {
        &self.pseudo["AWS::Region"]
    }

    pub fn account(&self) -> &str {
        &self.pseudo["AWS::AccountId"]
    }

    pub fn stack_name(&self) -> &str {
        &self.pseudo["AWS::StackName"]
    }

    /// The resources in template order.
    pub fn resources(&self) -> Vec<Resource<'_>> {
        let Some(Value::Mapping(resources)) = self.doc.get("Resources") else {
            return Vec::new();
        };
        resources
            .iter()
            .filter_map(|(id, body)| {
                Some(Resource {
                    logical_id: id.as_str()?,
                    kind: body.get("Type")?.as_str()?,
                    body,
                })
            })
            .collect()
    }

    pub fn resource(&self, logical_id: &str) -> Option<Resource<'_>> {
        self.resources()
            .into_iter()
            .find(|r| r.logical_id == logical_id)
    }

    pub fn resources_of(&self, kind: &str) -> Vec<Resource<'_>> {
        self.resources()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// The function's properties with SAM's `Globals.Function` merged in (maps merge key by
    /// key, the function's own values win; lists and scalars are replaced), unresolved.
    pub fn function_properties(&self, logical_id: &str) -> Result<Value> {
        let resource = self
            .resource(logical_id)
            .ok_or_else(|| invalid(format!("no resource {logical_id}")))?;
        let own = resource.properties().cloned().unwrap_or(Value::Null);
        let globals = self
            .doc
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .cloned()
            .unwrap_or(Value::Null);
        Ok(merge(globals, own))
    }

    /// Evaluates a condition of the `Conditions` section.
    pub fn condition(&self, name: &str) -> Result<bool> {
        let body = self
            .doc
            .get("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| invalid(format!("no condition {name}")))?;
        self.truth(body)
    }

    fn truth(&self, value: &Value) -> Result<bool> {
        let (function, argument) =
            intrinsic(value).ok_or_else(|| invalid("a condition must be an intrinsic"))?;
        let args = || {
            argument
                .as_sequence()
                .ok_or_else(|| invalid("list expected"))
        };
        match function {
            "Equals" => {
                let args = args()?;
                let [a, b] = args.as_slice() else {
                    return Err(invalid("Equals takes two values"));
                };
                Ok(self.resolve(a)? == self.resolve(b)?)
            }
            "Not" => Ok(!self.truth(args()?.first().ok_or_else(|| invalid("Not"))?)?),
            "And" => args()?
                .iter()
                .try_fold(true, |ok, c| Ok(ok && self.truth(c)?)),
            "Or" => args()?
                .iter()
                .try_fold(false, |ok, c| Ok(ok || self.truth(c)?)),
            "Condition" => self.condition(argument.as_str().unwrap_or_default()),
            other => Err(invalid(format!("unsupported condition function {other}"))),
        }
    }

    /// Resolves every intrinsic function in `value`: what CloudFormation hands the resource.
    /// `Fn::If` with `AWS::NoValue` removes the key, as CloudFormation does.
    pub fn resolve(&self, value: &Value) -> Result<Value> {
        if let Some((function, argument)) = intrinsic(value) {
            return self.call(function, argument);
        }
        Ok(match value {
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .map(|v| self.resolve(v))
                    .filter(|v| !matches!(v, Ok(Value::Null)))
                    .collect::<Result<_>>()?,
            ),
            Value::Mapping(map) => {
                let mut out = Mapping::new();
                for (k, v) in map {
                    let resolved = self.resolve(v)?;
                    if !is_no_value(v, &resolved) {
                        out.insert(k.clone(), resolved);
                    }
                }
                Value::Mapping(out)
            }
            other => other.clone(),
        })
    }

    /// Resolves to a string (`Ref`, `Sub`, …), or fails.
    pub fn resolve_str(&self, value: &Value) -> Result<String> {
        scalar(&self.resolve(value)?)
    }

    fn call(&self, function: &str, argument: &Value) -> Result<Value> {
        match function {
            "Ref" => self.reference(argument.as_str().ok_or_else(|| invalid("Ref name"))?),
            "GetAtt" => {
                let (id, attribute) = match argument {
                    Value::String(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))
                        .ok_or_else(|| invalid(format!("GetAtt {s}")))?,
                    Value::Sequence(parts) => (
                        scalar(&parts[0])?,
                        scalar(parts.get(1).ok_or_else(|| invalid("GetAtt"))?)?,
                    ),
                    _ => return Err(invalid("GetAtt argument")),
                };
                Ok(Value::String(self.attribute(&id, &attribute)?))
            }
            "Sub" => {
                let (text, vars) = match argument {
                    Value::String(s) => (s.clone(), Mapping::new()),
                    Value::Sequence(parts) => (
                        scalar(&parts[0])?,
                        parts
                            .get(1)
                            .and_then(Value::as_mapping)
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    _ => return Err(invalid("Sub argument")),
                };
                Ok(Value::String(self.substitute(&text, &vars)?))
            }
            "If" => {
                let parts = argument
                    .as_sequence()
                    .ok_or_else(|| invalid("If takes a list"))?;
                let [condition, yes, no] = parts.as_slice() else {
                    return Err(invalid("If takes three values"));
                };
                let chosen = if self.condition(&scalar(condition)?)? {
                    yes
                } else {
                    no
                };
                self.resolve(chosen)
            }
            "Join" => {
                let parts = argument
                    .as_sequence()
                    .ok_or_else(|| invalid("Join takes a list"))?;
                let separator = scalar(&parts[0])?;
                let items = self.resolve(parts.get(1).ok_or_else(|| invalid("Join"))?)?;
                let items = items
                    .as_sequence()
                    .ok_or_else(|| invalid("Join joins a list"))?
                    .iter()
                    .map(scalar)
                    .collect::<Result<Vec<_>>>()?;
                Ok(Value::String(items.join(&separator)))
            }
            "Select" => {
                let parts = argument
                    .as_sequence()
                    .ok_or_else(|| invalid("Select takes a list"))?;
                let index: usize = scalar(&parts[0])?
                    .parse()
                    .map_err(|_| invalid("Select index"))?;
                let items = self.resolve(parts.get(1).ok_or_else(|| invalid("Select"))?)?;
                items
                    .as_sequence()
                    .and_then(|s| s.get(index))
                    .cloned()
                    .ok_or_else(|| invalid("Select out of range"))
            }
            "Split" => {
                let parts = argument
                    .as_sequence()
                    .ok_or_else(|| invalid("Split takes a list"))?;
                let separator = scalar(&parts[0])?;
                let text = self.resolve_str(parts.get(1).ok_or_else(|| invalid("Split"))?)?;
                Ok(Value::Sequence(
                    text.split(separator.as_str())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                ))
            }
            "Equals" | "Not" | "And" | "Or" => {
                Ok(Value::Bool(self.truth(&tagged(function, argument))?))
            }
            other => Err(invalid(format!("unsupported intrinsic function {other}"))),
        }
    }

    fn reference(&self, name: &str) -> Result<Value> {
        if name == "AWS::NoValue" {
            return Ok(Value::Null);
        }
        if let Some(value) = self.parameters.get(name).or_else(|| self.pseudo.get(name)) {
            return Ok(Value::String(value.clone()));
        }
        if let Some(physical) = self.physical.get(name) {
            return Ok(Value::String(physical.reference.clone()));
        }
        Err(invalid(format!(
            "Ref {name}: no such parameter, or the resource is not created"
        )))
    }

    fn attribute(&self, id: &str, attribute: &str) -> Result<String> {
        self.physical
            .get(id)
            .and_then(|p| p.attributes.get(attribute))
            .cloned()
            .ok_or_else(|| invalid(format!("GetAtt {id}.{attribute}: not available")))
    }

    /// `Fn::Sub`: `${Name}`, `${Resource.Attribute}`, `${!Literal}`.
    fn substitute(&self, text: &str, vars: &Mapping) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| invalid(format!("unclosed ${{ in {text}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = vars.get(name) {
                out.push_str(&self.resolve_str(value)?);
            } else if let Some((id, attribute)) = name.split_once('.')
                && !name.starts_with("AWS::")
            {
                out.push_str(&self.attribute(id, attribute)?);
            } else {
                out.push_str(&scalar(&self.reference(name)?)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `(function, argument)` of an intrinsic: `!Ref x` or `{Ref: x}`, `!GetAtt a.b` or
/// `{"Fn::GetAtt": [a, b]}`.
pub fn intrinsic(value: &Value) -> Option<(&str, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let name = KNOWN
                .iter()
                .find(|known| **known == name)
                .copied()
                .unwrap_or("?");
            Some((name, &tagged.value))
        }
        Value::Mapping(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next()?;
            let key = key.as_str()?;
            let name = if key == "Ref" || key == "Condition" {
                key
            } else {
                key.strip_prefix("Fn::")?
            };
            KNOWN
                .contains(&name)
                .then_some((KNOWN.iter().find(|k| **k == name).copied()?, argument))
        }
        _ => None,
    }
}

const KNOWN: &[&str] = &[
    "Ref",
    "GetAtt",
    "Sub",
    "If",
    "Join",
    "Select",
    "Split",
    "Equals",
    "Not",
    "And",
    "Or",
    "Condition",
];

fn tagged(function: &str, argument: &Value) -> Value {
    let mut map = Mapping::new();
    let key = if function == "Ref" || function == "Condition" {
        function.to_owned()
    } else {
        format!("Fn::{function}")
    };
    map.insert(Value::String(key), argument.clone());
    Value::Mapping(map)
}

fn is_no_value(original: &Value, resolved: &Value) -> bool {
    matches!(resolved, Value::Null) && intrinsic(original).is_some()
}

/// A scalar as CloudFormation passes it on: a string.
pub fn scalar(value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(invalid(format!("a scalar was expected, got {other:?}"))),
    }
}

/// SAM's Globals merge: maps key by key (own values win), anything else replaced by `own`.
fn merge(globals: Value, own: Value) -> Value {
    match (globals, own) {
        (Value::Mapping(mut base), Value::Mapping(own)) => {
            for (key, value) in own {
                let merged = match base.remove(&key) {
                    Some(global) => merge(global, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            Value::Mapping(base)
        }
        (global, Value::Null) => global,
        (_, own) => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Url: { Type: String, Default: "" }
  Size: { Type: Number, Default: 3 }
Conditions:
  NoUrl: !Equals [!Ref Url, ""]
Globals:
  Function:
    Timeout: 29
    Environment: { Variables: { A: "1", B: !Ref Size } }
Resources:
  Table: { Type: AWS::DynamoDB::Table }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 60
      Environment: { Variables: { B: "own", C: !If [NoUrl, "none", !Ref Url], D: !If [NoUrl, !Ref "AWS::NoValue", x] } }
      Arn: !Sub "${Table.Arn}/index/*"
      Long: { "Fn::Join": ["-", [!Ref "AWS::StackName", { Ref: Size }]] }
      Literal: !Sub "${!Keep} ${AWS::Region}"
"#;

    fn template() -> Template {
        let mut t = Template::parse(TEMPLATE).unwrap();
        t.physical.insert(
            "Table".into(),
            Physical {
                reference: "tbl".into(),
                attributes: [("Arn".to_owned(), "arn:table/tbl".to_owned())].into(),
            },
        );
        t
    }

    #[test]
    fn globals_merge_into_functions_and_intrinsics_resolve() {
        let t = template();
        let props = t.resolve(&t.function_properties("Fn").unwrap()).unwrap();
        assert_eq!(props["Timeout"].as_u64(), Some(60));
        let vars = &props["Environment"]["Variables"];
        assert_eq!(vars["A"].as_str(), Some("1"));
        assert_eq!(vars["B"].as_str(), Some("own"));
        assert_eq!(vars["C"].as_str(), Some("none"));
        assert!(vars.get("D").is_none(), "AWS::NoValue removes the key");
        assert_eq!(props["Arn"].as_str(), Some("arn:table/tbl/index/*"));
        assert_eq!(props["Long"].as_str(), Some("tiketi-3"));
        assert_eq!(props["Literal"].as_str(), Some("${Keep} us-east-1"));
    }

    #[test]
    fn parameters_change_conditions() {
        let mut t = template();
        t.parameters.insert("Url".into(), "https://x".into());
        let props = t.resolve(&t.function_properties("Fn").unwrap()).unwrap();
        assert_eq!(
            props["Environment"]["Variables"]["C"].as_str(),
            Some("https://x")
        );
        assert_eq!(props["Environment"]["Variables"]["D"].as_str(), Some("x"));
    }

    #[test]
    fn unknown_references_are_errors() {
        let t = Template::parse("Resources: {}").unwrap();
        let value: Value = serde_norway::from_str("!Ref Missing").unwrap();
        assert!(t.resolve(&value).is_err());
    }
}
