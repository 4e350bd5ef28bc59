//! AWS as the stack in `template.yaml` runs Tiketi, emulated on one machine for the cloud
//! rehearsal (`scripts/cloud-rehearsal`): the template read as CloudFormation reads it
//! (`template`), its HTTP API's routes (`http_api`), moto with the template's resources
//! (`provision`) behind an IAM gate that keeps the books (`gate`, `iam`, `capacity`), the
//! function binaries under the Lambda runtime emulator (`lambda`), the HTTP fronts (`front`),
//! the SQS pollers and schedules (`sources`), all of it started by `stack`, and the story the
//! rehearsal drives through it (`story`, `checks`), and what it costs on AWS (`scenarios`,
//! `costs`).

pub mod capacity;
pub mod checks;
pub mod costs;
pub mod front;
pub mod gate;
pub mod http_api;
pub mod iam;
pub mod lambda;
pub mod platform;
pub mod provision;
pub mod scenarios;
pub mod sources;
pub mod stack;
pub mod story;
pub mod template;
