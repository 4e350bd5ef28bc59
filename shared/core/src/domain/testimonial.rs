//! What operators say about Tiketi, as the platform administrator entered it for the landing
//! page. Only real entries are shown: with none, the landing page has no testimonials section.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Testimonial {
    pub id: String,
    /// What they said, in their words.
    pub quote: String,
    /// Who said it: a person's name.
    pub author: String,
    /// Their business and town, e.g. "Baraka WiFi, Kisumu".
    pub business: String,
    pub added_at: Timestamp,
}

/// The longest quote shown.
pub const MAX_QUOTE: usize = 400;
