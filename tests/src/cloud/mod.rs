//! AWS as the stack in `template.yaml` runs Tiketi, emulated on one machine: the template read
//! as CloudFormation reads it, its HTTP API's routes, and (for the cloud rehearsal) the pieces
//! of AWS around the real function binaries.

pub mod http_api;
pub mod template;
