//! Each function's IAM permissions as `template.yaml` grants them, and IAM's decision on a
//! call: an explicit `Deny` wins, then any `Allow`, and anything not allowed is denied. Actions
//! match case-insensitively, resources case-sensitively, both with `*` and `?` wildcards.
//!
//! Besides the template's own `Policies`, a function's role gets what SAM attaches by itself:
//! `AWSLambdaBasicExecutionRole` (logs), `AWSXrayWriteOnlyAccess` with `Tracing: Active`, and
//! `AWSLambdaSQSQueueExecutionRole` for an `SQS` event source (Lambda's poller receives and
//! deletes with the function's role).

use serde_norway::Value;

use super::template::{Template, TemplateError, scalar};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub allow: bool,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// Where it comes from (a `Sid`, or the managed policy's name), for messages.
    pub source: String,
}

/// One function role's policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

/// What a call asks IAM: `dynamodb:PutItem` on `arn:aws:dynamodb:…:table/x`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Call {
    pub action: String,
    pub resource: String,
}

fn invalid(message: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(message.into())
}

fn strings(value: &Value) -> Result<Vec<String>, TemplateError> {
    match value {
        Value::Sequence(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

fn managed(name: &str) -> Option<Vec<(&'static str, &'static [&'static str])>> {
    let name = name.rsplit('/').next().unwrap_or(name);
    Some(match name {
        "AWSLambdaBasicExecutionRole" => vec![(
            "*",
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ][..],
        )],
        "AWSXrayWriteOnlyAccess" => vec![(
            "*",
            &[
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ][..],
        )],
        "AWSLambdaSQSQueueExecutionRole" => vec![(
            "*",
            &[
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ][..],
        )],
        _ => return None,
    })
}

impl Policy {
    /// The role of the function `logical_id`, from its resolved properties.
    pub fn of_function(template: &Template, logical_id: &str) -> Result<Self, TemplateError> {
        let properties = template.resolve(&template.function_properties(logical_id)?)?;
        let mut managed_names = vec!["AWSLambdaBasicExecutionRole".to_owned()];
        if properties.get("Tracing").and_then(Value::as_str) == Some("Active") {
            managed_names.push("AWSXrayWriteOnlyAccess".into());
        }
        if let Some(Value::Mapping(events)) = properties.get("Events")
            && events
                .values()
                .any(|e| e.get("Type").and_then(Value::as_str) == Some("SQS"))
        {
            managed_names.push("AWSLambdaSQSQueueExecutionRole".into());
        }
        let mut statements = Vec::new();
        let policies = match properties.get("Policies") {
            None => Vec::new(),
            Some(Value::Sequence(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        };
        for policy in policies {
            match &policy {
                Value::String(name) => managed_names.push(name.clone()),
                Value::Mapping(map) if map.contains_key("Statement") => {
                    let list = match &map["Statement"] {
                        Value::Sequence(items) => items.clone(),
                        other => vec![other.clone()],
                    };
                    for statement in list {
                        statements.push(Self::statement(&statement, logical_id)?);
                    }
                }
                other => {
                    return Err(invalid(format!(
                        "{logical_id}: policy {other:?} is not an inline policy document or a \
                         managed policy the rehearsal knows; write it out as a statement"
                    )));
                }
            }
        }
        for name in managed_names {
            let grants = managed(&name)
                .ok_or_else(|| invalid(format!("{logical_id}: unknown managed policy {name}")))?;
            for (resource, actions) in grants {
                statements.push(Statement {
                    allow: true,
                    actions: actions.iter().map(|a| (*a).to_owned()).collect(),
                    resources: vec![resource.to_owned()],
                    source: name.clone(),
                });
            }
        }
        Ok(Self { statements })
    }

    fn statement(statement: &Value, function: &str) -> Result<Statement, TemplateError> {
        for unsupported in ["NotAction", "NotResource", "Condition", "Principal"] {
            if statement.get(unsupported).is_some() {
                return Err(invalid(format!(
                    "{function}: the rehearsal does not evaluate {unsupported}"
                )));
            }
        }
        let effect = statement
            .get("Effect")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("{function}: a statement without Effect")))?;
        Ok(Statement {
            allow: effect == "Allow",
            actions: strings(
                statement
                    .get("Action")
                    .ok_or_else(|| invalid(format!("{function}: a statement without Action")))?,
            )?,
            resources: strings(
                statement
                    .get("Resource")
                    .ok_or_else(|| invalid(format!("{function}: a statement without Resource")))?,
            )?,
            source: statement
                .get("Sid")
                .and_then(Value::as_str)
                .unwrap_or("(no Sid)")
                .to_owned(),
        })
    }

    /// IAM's decision.
    pub fn allows(&self, call: &Call) -> bool {
        let matching = |s: &&Statement| {
            s.actions
                .iter()
                .any(|a| wildcard(&a.to_ascii_lowercase(), &call.action.to_ascii_lowercase()))
                && s.resources.iter().any(|r| wildcard(r, &call.resource))
        };
        let applicable: Vec<&Statement> = self.statements.iter().filter(matching).collect();
        !applicable.iter().any(|s| !s.allow) && applicable.iter().any(|s| s.allow)
    }
}

/// `*` matches any run of characters, `?` one character.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(wildcard(
            "arn:aws:dynamodb:*:table/t/index/*",
            "arn:aws:dynamodb:x:table/t/index/gsi1"
        ));
        assert!(!wildcard(
            "arn:aws:dynamodb:*:table/t",
            "arn:aws:dynamodb:x:table/t/index/gsi1"
        ));
        assert!(wildcard("s3:Get*", "s3:GetObject"));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn deny_wins_and_nothing_is_allowed_by_default() {
        let policy = Policy {
            statements: vec![
                Statement {
                    allow: true,
                    actions: vec!["dynamodb:*".into()],
                    resources: vec!["arn:table/t*".into()],
                    source: "a".into(),
                },
                Statement {
                    allow: false,
                    actions: vec!["dynamodb:DeleteItem".into()],
                    resources: vec!["*".into()],
                    source: "b".into(),
                },
            ],
        };
        let call = |action: &str, resource: &str| Call {
            action: action.into(),
            resource: resource.into(),
        };
        assert!(policy.allows(&call("dynamodb:putitem", "arn:table/t")));
        assert!(!policy.allows(&call("dynamodb:DeleteItem", "arn:table/t")));
        assert!(!policy.allows(&call("sqs:SendMessage", "arn:table/t")));
        assert!(!policy.allows(&call("dynamodb:GetItem", "arn:other")));
    }
}
