//! The whole stack of `template.yaml` on this machine: moto with the template's tables, queues,
//! buckets and secrets; the IAM gate in front of it; the function binaries under the Lambda
//! runtime emulator; the HTTP API and function URL fronts; the SQS pollers and schedules; and
//! the Pesapal sandbox stand-in the functions pay through.

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::Arc,
};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use serde_norway::Value;
use tiketi_local::pesapal_sandbox::Sandbox;

use super::{
    front::{Front, Kind, Throttling},
    gate::{ADMIN_KEY, Gate, Principal, Stack as GateStack},
    http_api,
    iam::Policy,
    lambda::{FunctionSpec, LambdaService},
    provision::{Created, provision},
    sources::{EventSources, ScheduleSource, SqsSource},
    template::{Physical, Template, scalar},
};
use crate::moto::Moto;

/// Where things are.
#[derive(Debug, Clone)]
pub struct Options {
    pub template: PathBuf,
    /// The workspace's `Cargo.toml` (the emulator reads the function names from it).
    pub manifest: PathBuf,
    /// Where `cargo lambda build` put `<binary>/bootstrap`.
    pub lambda_dir: PathBuf,
    /// Logs of the functions, the emulator and the access log.
    pub logs: PathBuf,
    /// SQS pollers per queue (Lambda starts with five).
    pub pollers: usize,
}

pub struct CloudStack {
    pub template: Template,
    pub created: Created,
    pub gate: Gate,
    pub lambda: Arc<LambdaService>,
    pub api: Front,
    /// Function URL fronts, by binary.
    pub function_urls: BTreeMap<String, Front>,
    pub sources: EventSources,
    pub sandbox: Sandbox,
    /// Signs as the rehearsal itself (never checked against a policy), through the gate.
    pub admin: SdkConfig,
    _sandbox_task: tokio::task::JoinHandle<()>,
    _moto: Moto,
}

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("template: {0}")]
    Template(#[from] super::template::TemplateError),
    #[error("provisioning: {0}")]
    Provision(#[from] super::provision::ProvisionError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// An SDK configuration against `endpoint`, signing with `key`.
pub async fn sdk(endpoint: &str, key: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, "rehearsal", None, None, "static"))
        .load()
        .await
}

fn random_hex(bytes: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// The values the rehearsal deploys with, where a deployment would ask: the fronts' and the
/// stand-in's local URLs, generated keys for secret parameters, a topic for alarms.
fn parameters(template: &mut Template, api_url: &str, pesapal_url: &str) -> Result<(), StackError> {
    let declared: Vec<(String, Value)> = template
        .doc
        .get("Parameters")
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((scalar(k).ok()?, v.clone())))
                .collect()
        })
        .unwrap_or_default();
    for (name, spec) in declared {
        let value = match name.as_str() {
            "PublicBaseUrl" => api_url.to_owned(),
            "PesapalBaseUrl" => pesapal_url.to_owned(),
            "PesapalConsumerKey" => "rehearsal-platform-key".to_owned(),
            "PesapalConsumerSecret" => "rehearsal-platform-secret".to_owned(),
            "AlarmTopicArn" => "arn:aws:sns:us-east-1:123456789012:tiketi-alarms".to_owned(),
            _ if spec.get("Default").is_some() => continue,
            _ if spec
                .get("AllowedPattern")
                .and_then(Value::as_str)
                .is_some_and(|p| p.contains("0-9a-fA-F")) =>
            {
                random_hex(32)
            }
            other => {
                return Err(StackError::Other(format!(
                    "parameter {other} has no default and the rehearsal has no value for it"
                )));
            }
        };
        template.parameters.insert(name, value);
    }
    Ok(())
}

fn throttling(api: &Value) -> Throttling {
    let limits = |settings: &Value| {
        let rate = settings
            .get("ThrottlingRateLimit")
            .and_then(Value::as_f64)?;
        let burst = settings
            .get("ThrottlingBurstLimit")
            .and_then(Value::as_f64)?;
        Some((rate, burst))
    };
    Throttling {
        default: api.get("DefaultRouteSettings").and_then(limits),
        routes: api
            .get("RouteSettings")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((scalar(k).ok()?, limits(v)?)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

impl CloudStack {
    pub async fn start(options: &Options) -> Result<Self, StackError> {
        let moto = Moto::start().await;
        let api_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let api_url = format!("http://{}", api_listener.local_addr()?);
        let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let sandbox = Sandbox::new(format!(
            "http://{}/pesapal-sandbox",
            sandbox_listener.local_addr()?
        ));
        let sandbox_app = axum::Router::new().nest("/pesapal-sandbox", sandbox.router());
        let sandbox_task = tokio::spawn(async move {
            let _ = axum::serve(sandbox_listener, sandbox_app).await;
        });

        let mut template = Template::load(&options.template)?;
        parameters(&mut template, &api_url, &sandbox.api_base_url())?;
        let direct = sdk(&moto.endpoint, ADMIN_KEY).await;
        let created = provision(&mut template, &direct).await?;

        // What CloudFormation would answer for the resources the rehearsal runs itself.
        template.physical.insert(
            "HttpApi".into(),
            Physical {
                reference: "rehearsalapi".into(),
                attributes: BTreeMap::new(),
            },
        );
        let functions = http_api::functions(&template)?;
        let mut url_listeners = Vec::new();
        for function in &functions {
            let arn = format!(
                "arn:aws:lambda:us-east-1:123456789012:function:{}",
                function.name
            );
            template.physical.insert(
                function.logical_id.clone(),
                Physical {
                    reference: function.name.clone(),
                    attributes: [("Arn".to_owned(), arn)].into(),
                },
            );
            template.physical.insert(
                format!("{}Role", function.logical_id),
                Physical {
                    reference: format!("{}Role", function.logical_id),
                    attributes: [(
                        "Arn".to_owned(),
                        format!("arn:aws:iam::123456789012:role/{}Role", function.logical_id),
                    )]
                    .into(),
                },
            );
            let has_url = template
                .function_properties(&function.logical_id)?
                .get("FunctionUrlConfig")
                .is_some();
            if has_url {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let url = format!("http://{}/", listener.local_addr()?);
                template.physical.insert(
                    format!("{}Url", function.logical_id),
                    Physical {
                        reference: url.clone(),
                        attributes: [("FunctionUrl".to_owned(), url)].into(),
                    },
                );
                url_listeners.push((function.binary.clone(), listener));
            }
        }

        let specs = functions
            .iter()
            .map(|f| FunctionSpec::from_template(&template, &f.logical_id))
            .collect::<Result<Vec<_>, _>>()?;
        // Each function's role, and the same role as Lambda's SQS poller uses it (counted apart:
        // the poller's requests are the platform's, not the function's).
        let mut principals: HashMap<String, Principal> = HashMap::new();
        for spec in &specs {
            let policy = Policy::of_function(&template, &spec.logical_id)?;
            principals.insert(
                spec.poller_key(),
                Principal {
                    name: format!("{} (SQS poller)", spec.logical_id),
                    policy: policy.clone(),
                },
            );
            principals.insert(
                spec.access_key(),
                Principal {
                    name: spec.logical_id.clone(),
                    policy,
                },
            );
        }
        let gate = Gate::start(
            &moto.endpoint,
            principals,
            GateStack {
                region: template.region().to_owned(),
                account: template.account().to_owned(),
                tables: created.tables.clone(),
                secrets: created.secrets.clone(),
            },
        )
        .await?;
        let base_environment: BTreeMap<String, String> = [
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .chain([("AWS_ENDPOINT_URL".to_owned(), gate.endpoint.clone())])
        .collect();
        let lambda = Arc::new(
            LambdaService::start(
                &options.manifest,
                &options.lambda_dir,
                specs.clone(),
                base_environment,
                &options.logs,
            )
            .await?,
        );

        let api_resource = template
            .resources_of("AWS::Serverless::HttpApi")
            .into_iter()
            .next()
            .ok_or_else(|| StackError::Other("no HTTP API".into()))?;
        let api_properties = template.resolve(api_resource.properties().unwrap_or(&Value::Null))?;
        let access_log = api_properties
            .get("AccessLogSettings")
            .and_then(|s| s.get("Format"))
            .and_then(|f| scalar(f).ok());
        let api = Front::serve(
            api_listener,
            Kind::HttpApi {
                routes: http_api::routes(&template)?,
                throttling: throttling(&api_properties),
                access_log,
            },
            Arc::clone(&lambda),
            "rehearsalapi",
            Some(&options.logs.join("http-api-access.log")),
        )?;
        let mut function_urls = BTreeMap::new();
        for (binary, listener) in url_listeners {
            let front = Front::serve(
                listener,
                Kind::FunctionUrl {
                    binary: binary.clone(),
                },
                Arc::clone(&lambda),
                &format!("{binary}url"),
                None,
            )?;
            function_urls.insert(binary, front);
        }

        let queues: Vec<(String, String, i32)> = template
            .resources_of("AWS::SQS::Queue")
            .iter()
            .filter_map(|q| {
                let physical = template.physical.get(q.logical_id)?;
                let visibility = q
                    .properties()
                    .and_then(|p| p.get("VisibilityTimeout"))
                    .and_then(Value::as_i64)
                    .unwrap_or(30) as i32;
                Some((
                    physical.attributes.get("Arn")?.clone(),
                    physical.reference.clone(),
                    visibility,
                ))
            })
            .collect();
        let mut sqs_sources = Vec::new();
        let mut schedules = Vec::new();
        for spec in &specs {
            for source in SqsSource::of(spec, &queues) {
                let as_function = sdk(&gate.endpoint, &spec.poller_key()).await;
                sqs_sources.push((source, aws_sdk_sqs::Client::new(&as_function)));
            }
            schedules.extend(ScheduleSource::of(spec, template.stack_name()));
        }
        let admin = sdk(&gate.endpoint, ADMIN_KEY).await;
        let sources = EventSources::start(
            Arc::clone(&lambda),
            sqs_sources,
            aws_sdk_sqs::Client::new(&admin),
            schedules,
            options.pollers,
        );
        Ok(Self {
            template,
            created,
            gate,
            lambda,
            api,
            function_urls,
            sources,
            sandbox,
            admin,
            _sandbox_task: sandbox_task,
            _moto: moto,
        })
    }

    /// A queue's URL by its logical id.
    pub fn queue_url(&self, logical_id: &str) -> Option<String> {
        self.template
            .physical
            .get(logical_id)
            .map(|p| p.reference.clone())
    }
}
