//! Adapters behind `tiketi-core`'s ports.
//!
//! | port            | cloud (feature `aws`)      | local (feature `sqlite`, always-on parts) |
//! |-----------------|----------------------------|-------------------------------------------|
//! | `Table`         | `dynamodb::DynamoTable`    | `sqlite::SqliteTable`                     |
//! | `Queue`         | `sqs::SqsQueue`            | `memory_queue::InProcessQueue`            |
//! | `PaymentGateway`| `pesapal::PesapalClient`   | the same client, aimed at the sandbox stand-in |
//! | `Clock`         | `clock::SystemClock`       | `clock::SystemClock`                      |

pub mod clock;
#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod memory_queue;
pub mod pesapal;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "aws")]
pub mod sqs;
