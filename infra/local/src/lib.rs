//! The local host of Tiketi (`tiketi serve`): all functions in one process, on the embedded
//! store, an in-process queue and timer, and a Pesapal sandbox stand-in when no keys are set.

pub mod demo_router;
pub mod documents;
pub mod host;
pub mod pesapal_sandbox;
