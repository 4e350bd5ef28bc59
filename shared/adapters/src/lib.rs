//! Adapters behind `tiketi-core`'s ports.
//!
//! | port            | cloud (feature `aws`)      | local (feature `sqlite`, always-on parts) |
//! |-----------------|----------------------------|-------------------------------------------|
//! | `Table`         | `dynamodb::DynamoTable`    | `sqlite::SqliteTable`                     |
//! | `Queue`         | `sqs::SqsQueue`            | `memory_queue::InProcessQueue`            |
//! | `PaymentGateway`| `pesapal::PesapalClient`   | the same client, aimed at the sandbox stand-in |
//! | `Clock`         | `clock::SystemClock`       | `clock::SystemClock`                      |
//! | `Documents`     | `s3_documents::S3Documents`| `directory_documents::DirectoryDocuments` |

pub mod clock;
pub mod directory_documents;
#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod memory_queue;
pub mod pesapal;
#[cfg(feature = "aws")]
pub mod s3_documents;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "aws")]
pub mod sqs;
