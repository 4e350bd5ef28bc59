//! The [`Table`] port on DynamoDB: the production store.
//!
//! One table keyed by `pk`/`sk` with the GSIs `gsi1` and `gsi2` ([`create_table`] builds it the way
//! `template.yaml` does). Items cross the wire as serde_json maps converted by serde_dynamo, so
//! integers stay integers. Every [`Condition`] and [`Change`] becomes an expression over
//! placeholders only (`#n0`, `:v0`), so no attribute name can collide with a reserved word, and
//! DynamoDB's error codes are translated into [`TableError`] here, once.
//!
//! Where DynamoDB differs from the port contract, this adapter closes the gap: a lone
//! [`Write::Check`] is a consistent read evaluated here (DynamoDB checks bare conditions only
//! inside a transaction); a query with a `limit` reads one item more than asked, so that `next` is
//! `None` exactly when nothing follows; `batch_put` keeps the last of several puts of one key, and
//! an inverted `BETWEEN` returns nothing instead of a validation error.

use std::{
    collections::{HashMap, hash_map::Entry},
    env,
    time::Duration,
};

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::{
    Client,
    client::Waiters,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::transact_write_items::TransactWriteItemsError,
    types::{
        AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete,
        GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, Put,
        PutRequest, ScalarAttributeType, TransactWriteItem, Update, WriteRequest,
    },
};
use serde_json::{Map, Value};
use tiketi_core::ports::table::{
    Change, Condition, Cursor, Index, Item, Key, Page, Query, RangeCondition, Table, TableError,
    Write, attr, validate_transaction,
};

type Attributes = HashMap<String, AttributeValue>;

/// The environment variable naming the table (set by `template.yaml`).
pub const TABLE_NAME_VAR: &str = "TABLE_NAME";

/// `BatchWriteItem` takes at most this many writes per call.
const BATCH_SIZE: usize = 25;
/// Calls per chunk of a [`Table::batch_put`] before unprocessed items count as a failure.
const BATCH_ATTEMPTS: u32 = 12;

/// The Tiketi table on DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoTable {
    client: Client,
    table_name: String,
}

impl DynamoTable {
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
        }
    }

    /// The table named by `TABLE_NAME`, with the SDK's default configuration chain (region,
    /// credentials and `AWS_ENDPOINT_URL` from the environment).
    pub async fn from_env() -> Result<Self, TableError> {
        let table_name = env::var(TABLE_NAME_VAR).map_err(|_| {
            TableError::Unavailable(format!("environment variable {TABLE_NAME_VAR} is not set"))
        })?;
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Ok(Self::new(Client::new(&config), table_name))
    }

    /// The table `table_name`, with the SDK's default configuration chain (for the
    /// administrator's command line, run with the operator's own AWS credentials).
    pub async fn named(table_name: &str) -> Self {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Self::new(Client::new(&config), table_name)
    }

    pub fn table_name(&self) -> &str {
        &self.table_name
    }

    #[tracing::instrument(level = "debug", skip(self), fields(pk = %key.pk, sk = %key.sk))]
    async fn get_item(&self, key: &Key, consistent: bool) -> Result<Option<Item>, TableError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .set_key(Some(key_attributes(key)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(sdk_error)?;
        output.item.map(from_attributes).transpose()
    }

    /// Sends one chunk of at most [`BATCH_SIZE`] puts, retrying unprocessed items with backoff.
    async fn write_batch(&self, mut requests: Vec<WriteRequest>) -> Result<(), TableError> {
        let mut delay = Duration::from_millis(50);
        for _ in 0..BATCH_ATTEMPTS {
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table_name, requests)
                .send()
                .await
                .map_err(sdk_error)?;
            requests = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&self.table_name))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
        Err(TableError::Unavailable(format!(
            "{} items still unprocessed after {BATCH_ATTEMPTS} BatchWriteItem calls",
            requests.len()
        )))
    }
}

impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.get_item(key, true).await
    }

    async fn get_eventually(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.get_item(key, false).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn write(&self, write: Write) -> Result<(), TableError> {
        let mut expr = Expressions::default();
        match write {
            Write::Check { key, condition } => {
                let item = self.get(&key).await?;
                if holds(&condition, item.as_ref()) {
                    Ok(())
                } else {
                    Err(TableError::ConditionFailed { index: 0 })
                }
            }
            Write::Put { item, condition } => {
                let item = item_attributes(&item)?;
                let condition = expr.optional_condition(condition.as_ref())?;
                let (names, values) = expr.into_parts();
                self.client
                    .put_item()
                    .table_name(&self.table_name)
                    .set_item(Some(item))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error)
            }
            Write::Update {
                key,
                changes,
                condition,
            } => {
                let update = expr.update(&changes)?;
                let condition = expr.optional_condition(condition.as_ref())?;
                let (names, values) = expr.into_parts();
                self.client
                    .update_item()
                    .table_name(&self.table_name)
                    .set_key(Some(key_attributes(&key)))
                    .update_expression(update)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error)
            }
            Write::Delete { key, condition } => {
                let condition = expr.optional_condition(condition.as_ref())?;
                let (names, values) = expr.into_parts();
                self.client
                    .delete_item()
                    .table_name(&self.table_name)
                    .set_key(Some(key_attributes(&key)))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error)
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(writes = writes.len()))]
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        validate_transaction(&writes)?;
        let items = writes
            .iter()
            .map(|write| transact_item(&self.table_name, write))
            .collect::<Result<Vec<_>, _>>()?;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(transaction_error(err)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(items = items.len()))]
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), TableError> {
        // One BatchWriteItem call rejects two puts of one key, so keep the last put of each key.
        let mut positions = HashMap::new();
        let mut unique: Vec<Item> = Vec::with_capacity(items.len());
        for item in items {
            let key = item.key().ok_or_else(missing_key)?;
            match positions.entry(key) {
                Entry::Occupied(entry) => unique[*entry.get()] = item,
                Entry::Vacant(entry) => {
                    entry.insert(unique.len());
                    unique.push(item);
                }
            }
        }
        let mut requests = unique
            .iter()
            .map(|item| {
                let put = PutRequest::builder()
                    .set_item(Some(item_attributes(item)?))
                    .build();
                Ok(WriteRequest::builder()
                    .put_request(put.map_err(build_error)?)
                    .build())
            })
            .collect::<Result<Vec<_>, TableError>>()?
            .into_iter()
            .peekable();
        while requests.peek().is_some() {
            self.write_batch(requests.by_ref().take(BATCH_SIZE).collect())
                .await?;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(partition = %query.partition))]
    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        if query.limit == Some(0) {
            return Err(TableError::Invalid(
                "a query limit must be at least 1".into(),
            ));
        }
        let (hash, range) = query.index.attributes();
        let mut expr = Expressions::default();
        let mut key_condition = format!(
            "{} = {}",
            expr.name(hash),
            expr.value(string(&query.partition))
        );
        match &query.range {
            Some(RangeCondition::BeginsWith(prefix)) if !prefix.is_empty() => {
                let (name, value) = (expr.name(range), expr.value(string(prefix)));
                key_condition.push_str(&format!(" AND begins_with({name}, {value})"));
            }
            Some(RangeCondition::Between(from, to)) => {
                if from > to {
                    return Ok(Page::default());
                }
                let name = expr.name(range);
                if from.is_empty() {
                    // DynamoDB refuses an empty string as a key value; every string is >= "".
                    let to = expr.value(string(to));
                    key_condition.push_str(&format!(" AND {name} <= {to}"));
                } else {
                    let (from, to) = (expr.value(string(from)), expr.value(string(to)));
                    key_condition.push_str(&format!(" AND {name} BETWEEN {from} AND {to}"));
                }
            }
            Some(RangeCondition::BeginsWith(_)) | None => {}
        }
        let (names, values) = expr.into_parts();
        let output = self
            .client
            .query()
            .table_name(&self.table_name)
            .set_index_name(query.index.name().map(str::to_owned))
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .scan_index_forward(query.ascending)
            .set_limit(
                query
                    .limit
                    .map(|limit| i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX)),
            )
            .set_exclusive_start_key(query.after.as_ref().map(|after| start_key(query, after)))
            .send()
            .await
            .map_err(sdk_error)?;
        let mut items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<Result<Vec<_>, _>>()?;
        let next = match query.limit {
            Some(limit) if items.len() > limit => {
                items.truncate(limit);
                items
                    .last()
                    .map(|last| item_cursor(last, range))
                    .transpose()?
            }
            _ => output
                .last_evaluated_key
                .map(|key| key_cursor(&key, range))
                .transpose()?,
        };
        Ok(Page { items, next })
    }
}

/// Creates the Tiketi table as `template.yaml` declares it (on-demand, `pk`/`sk`, GSIs `gsi1` and
/// `gsi2` projecting all attributes) and waits until it exists. Fails if the table exists.
pub async fn create_table(client: &Client, name: &str) -> Result<(), TableError> {
    let key = |attribute: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(attribute)
            .key_type(key_type)
            .build()
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(attr::PK, KeyType::Hash).map_err(build_error)?)
        .key_schema(key(attr::SK, KeyType::Range).map_err(build_error)?);
    for attribute in [
        attr::PK,
        attr::SK,
        attr::GSI1PK,
        attr::GSI1SK,
        attr::GSI2PK,
        attr::GSI2SK,
        attr::GSI3PK,
        attr::GSI3SK,
    ] {
        let definition = AttributeDefinition::builder()
            .attribute_name(attribute)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build_error)?;
        request = request.attribute_definitions(definition);
    }
    for index in Index::SECONDARY {
        let (hash, range) = index.attributes();
        let gsi = GlobalSecondaryIndex::builder()
            .set_index_name(index.name().map(str::to_owned))
            .key_schema(key(hash, KeyType::Hash).map_err(build_error)?)
            .key_schema(key(range, KeyType::Range).map_err(build_error)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(build_error)?;
        request = request.global_secondary_indexes(gsi);
    }
    request.send().await.map_err(sdk_error)?;
    client
        .wait_until_table_exists()
        .table_name(name)
        .wait(Duration::from_secs(120))
        .await
        .map_err(|err| TableError::Unavailable(DisplayErrorContext(&err).to_string()))?;
    Ok(())
}

/// Condition, update and key-condition expressions with their placeholder maps.
#[derive(Default)]
struct Expressions {
    names: HashMap<String, String>,
    placeholders: HashMap<String, String>,
    values: Attributes,
}

impl Expressions {
    /// The placeholder of an attribute name (one per distinct name).
    fn name(&mut self, attribute: &str) -> String {
        if let Some(placeholder) = self.placeholders.get(attribute) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attribute.to_owned());
        self.placeholders
            .insert(attribute.to_owned(), placeholder.clone());
        placeholder
    }

    /// A fresh placeholder for a value.
    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn json_value(&mut self, value: &Value) -> Result<String, TableError> {
        let value = serde_dynamo::to_attribute_value(value)
            .map_err(|err| TableError::Invalid(format!("unstorable value {value}: {err}")))?;
        Ok(self.value(value))
    }

    fn optional_condition(
        &mut self,
        condition: Option<&Condition>,
    ) -> Result<Option<String>, TableError> {
        condition
            .map(|condition| self.condition(condition))
            .transpose()
    }

    fn condition(&mut self, condition: &Condition) -> Result<String, TableError> {
        let pk = self.name(attr::PK);
        Ok(match condition {
            Condition::NotExists => format!("attribute_not_exists({pk})"),
            Condition::Exists => format!("attribute_exists({pk})"),
            Condition::AttrIn { values, .. } if values.is_empty() => {
                format!("(attribute_exists({pk}) AND attribute_not_exists({pk}))")
            }
            Condition::AttrIn { attribute, values } => {
                let name = self.name(attribute);
                let alternatives = values
                    .iter()
                    .map(|value| Ok(format!("{name} = {}", self.json_value(value)?)))
                    .collect::<Result<Vec<_>, TableError>>()?
                    .join(" OR ");
                format!("(attribute_exists({pk}) AND ({alternatives}))")
            }
            Condition::AttrAbsent(attribute) => {
                let name = self.name(attribute);
                format!("(attribute_exists({pk}) AND attribute_not_exists({name}))")
            }
            Condition::All(parts) if parts.is_empty() => {
                format!("(attribute_exists({pk}) OR attribute_not_exists({pk}))")
            }
            Condition::All(parts) => {
                let parts = parts
                    .iter()
                    .map(|part| self.condition(part))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("({})", parts.join(" AND "))
            }
            Condition::CountBelow { attribute, limit } => {
                let name = self.name(attribute);
                let limit = self.json_value(&serde_json::Value::from(*limit))?;
                format!(
                    "(attribute_not_exists({pk}) OR attribute_not_exists({name}) OR {name} < {limit})"
                )
            }
        })
    }

    fn update(&mut self, changes: &[(String, Change)]) -> Result<String, TableError> {
        if changes.is_empty() {
            return Err(TableError::Invalid(
                "an update needs at least one change".into(),
            ));
        }
        let (mut set, mut remove, mut add) = (Vec::new(), Vec::new(), Vec::new());
        for (attribute, change) in changes {
            let name = self.name(attribute);
            match change {
                Change::Set(value) => set.push(format!("{name} = {}", self.json_value(value)?)),
                Change::Remove => remove.push(name),
                Change::Add(delta) => {
                    add.push(format!(
                        "{name} {}",
                        self.value(AttributeValue::N(delta.to_string()))
                    ));
                }
            }
        }
        let clauses = [("SET", set), ("REMOVE", remove), ("ADD", add)];
        Ok(clauses
            .into_iter()
            .filter(|(_, parts)| !parts.is_empty())
            .map(|(keyword, parts)| format!("{keyword} {}", parts.join(", ")))
            .collect::<Vec<_>>()
            .join(" "))
    }

    /// The placeholder maps, `None` when empty (DynamoDB rejects empty maps).
    fn into_parts(self) -> (Option<HashMap<String, String>>, Option<Attributes>) {
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        (names, values)
    }
}

/// One write of a `TransactWriteItems` call.
fn transact_item(table: &str, write: &Write) -> Result<TransactWriteItem, TableError> {
    let mut expr = Expressions::default();
    let item = match write {
        Write::Put { item, condition } => {
            let item = item_attributes(item)?;
            let condition = expr.optional_condition(condition.as_ref())?;
            let (names, values) = expr.into_parts();
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .build();
            TransactWriteItem::builder().put(put.map_err(build_error)?)
        }
        Write::Update {
            key,
            changes,
            condition,
        } => {
            let update_expression = expr.update(changes)?;
            let condition = expr.optional_condition(condition.as_ref())?;
            let (names, values) = expr.into_parts();
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key_attributes(key)))
                .update_expression(update_expression)
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .build();
            TransactWriteItem::builder().update(update.map_err(build_error)?)
        }
        Write::Delete { key, condition } => {
            let condition = expr.optional_condition(condition.as_ref())?;
            let (names, values) = expr.into_parts();
            let delete = Delete::builder()
                .table_name(table)
                .set_key(Some(key_attributes(key)))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .build();
            TransactWriteItem::builder().delete(delete.map_err(build_error)?)
        }
        Write::Check { key, condition } => {
            let condition = expr.condition(condition)?;
            let (names, values) = expr.into_parts();
            let check = ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key_attributes(key)))
                .condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .build();
            TransactWriteItem::builder().condition_check(check.map_err(build_error)?)
        }
    };
    Ok(item.build())
}

/// Whether `condition` holds for the stored `item` (for a [`Write::Check`] outside a transaction);
/// the same semantics as the expressions [`Expressions::condition`] builds.
fn holds(condition: &Condition, item: Option<&Item>) -> bool {
    match condition {
        Condition::NotExists => item.is_none(),
        Condition::Exists => item.is_some(),
        Condition::AttrIn { attribute, values } => item
            .and_then(|item| item.0.get(attribute))
            .is_some_and(|stored| values.contains(stored)),
        Condition::AttrAbsent(attribute) => {
            item.is_some_and(|item| !item.0.contains_key(attribute))
        }
        Condition::All(parts) => parts.iter().all(|part| holds(part, item)),
        Condition::CountBelow { attribute, limit } => item
            .and_then(|item| item.0.get(attribute))
            .is_none_or(|v| v.as_i64().is_some_and(|n| n < *limit)),
    }
}

fn string(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn key_attributes(key: &Key) -> Attributes {
    HashMap::from([
        (attr::PK.to_owned(), string(&key.pk)),
        (attr::SK.to_owned(), string(&key.sk)),
    ])
}

fn item_attributes(item: &Item) -> Result<Attributes, TableError> {
    if item.key().is_none() {
        return Err(missing_key());
    }
    serde_dynamo::to_item(&item.0)
        .map_err(|err| TableError::Invalid(format!("unstorable item: {err}")))
}

fn from_attributes(attributes: Attributes) -> Result<Item, TableError> {
    serde_dynamo::from_item::<_, Map<String, Value>>(attributes)
        .map(Item)
        .map_err(|err| TableError::Unavailable(format!("undecodable item: {err}")))
}

/// The `ExclusiveStartKey` continuing after `after`: the table key, plus the index key on a GSI.
fn start_key(query: &Query, after: &Cursor) -> Attributes {
    let mut key = key_attributes(&after.key);
    if query.index != Index::Primary {
        let (hash, range) = query.index.attributes();
        key.insert(hash.to_owned(), string(&query.partition));
        key.insert(range.to_owned(), string(&after.range));
    }
    key
}

/// The cursor after a returned item (`range` is the index's range attribute).
fn item_cursor(item: &Item, range: &str) -> Result<Cursor, TableError> {
    match (item.key(), item.str(range)) {
        (Some(key), Some(range)) => Ok(Cursor {
            key,
            range: range.to_owned(),
        }),
        _ => Err(TableError::Unavailable(format!(
            "a queried item lacks pk, sk or {range}"
        ))),
    }
}

/// The cursor of a `LastEvaluatedKey`.
fn key_cursor(key: &Attributes, range: &str) -> Result<Cursor, TableError> {
    let text = |name: &str| match key.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => Err(TableError::Unavailable(format!(
            "LastEvaluatedKey without a string {name}"
        ))),
    };
    Ok(Cursor {
        key: Key::new(text(attr::PK)?, text(attr::SK)?),
        range: text(range)?,
    })
}

fn missing_key() -> TableError {
    TableError::Invalid(format!(
        "an item needs string attributes {} and {}",
        attr::PK,
        attr::SK
    ))
}

fn build_error(err: aws_sdk_dynamodb::error::BuildError) -> TableError {
    TableError::Invalid(err.to_string())
}

/// Translates a failed call: a failed condition, a conflict with a running transaction, an invalid
/// request, or else the backend being unavailable.
fn sdk_error<E, R>(err: SdkError<E, R>) -> TableError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err.code() {
        Some("ConditionalCheckFailedException") => TableError::ConditionFailed { index: 0 },
        Some("TransactionConflictException") => TableError::Conflict,
        Some("ValidationException") => TableError::Invalid(DisplayErrorContext(&err).to_string()),
        _ => TableError::Unavailable(DisplayErrorContext(&err).to_string()),
    }
}

/// Translates a failed `TransactWriteItems` through its cancellation reasons (one per write,
/// in order).
fn transaction_error<R: std::fmt::Debug>(err: SdkError<TransactWriteItemsError, R>) -> TableError {
    let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
        err.as_service_error()
    else {
        return sdk_error(err);
    };
    let reasons = canceled.cancellation_reasons();
    let code_at = |code: &str| {
        reasons
            .iter()
            .position(|reason| reason.code() == Some(code))
    };
    if let Some(index) = code_at("ConditionalCheckFailed") {
        TableError::ConditionFailed { index }
    } else if code_at("TransactionConflict").is_some() {
        TableError::Conflict
    } else {
        TableError::Unavailable(DisplayErrorContext(&err).to_string())
    }
}
