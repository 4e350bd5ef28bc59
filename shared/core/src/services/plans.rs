//! The plan catalogue and the landing page's testimonials, as everyone reads them: the
//! landing page, sign-up, Settings → Plan, billing and the limit checks.

use super::{Platform, ServiceError, Tiketi};
use crate::domain::{
    plan::{Plan, default_plans},
    testimonial::Testimonial,
};

impl<P: Platform> Tiketi<P> {
    /// Every plan, on sale or retired, cheapest first: the stored catalogue, or the defaults
    /// until the administrator first edits it.
    pub async fn plan_catalogue(&self) -> Result<Vec<Plan>, ServiceError> {
        let mut plans = self.store.plans().await?;
        if plans.is_empty() {
            plans = default_plans();
        }
        plans.sort_by_key(|p| (p.rank, p.price));
        Ok(plans)
    }

    /// The plans a new operator can choose.
    pub async fn plans_on_sale(&self) -> Result<Vec<Plan>, ServiceError> {
        let mut plans = self.plan_catalogue().await?;
        plans.retain(|p| p.on_sale);
        Ok(plans)
    }

    /// One plan by its code, on sale or not.
    pub async fn plan(&self, code: &str) -> Result<Option<Plan>, ServiceError> {
        Ok(self
            .plan_catalogue()
            .await?
            .into_iter()
            .find(|p| p.code == code))
    }

    /// The testimonials the administrator entered, oldest first (none: no section).
    pub async fn testimonials(&self) -> Result<Vec<Testimonial>, ServiceError> {
        let mut all = self.store.testimonials().await?;
        all.sort_by_key(|t| t.added_at);
        Ok(all)
    }
}
