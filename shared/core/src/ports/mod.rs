//! Ports: the traits the use cases need from the outside world. Adapters live in
//! `tiketi-adapters`; the contract each adapter must honour is written on each trait.

pub mod clock;
pub mod documents;
pub mod gateway;
pub mod queue;
pub mod table;

pub use clock::Clock;
pub use documents::Documents;
pub use gateway::PaymentGateway;
pub use queue::Queue;
pub use table::Table;
