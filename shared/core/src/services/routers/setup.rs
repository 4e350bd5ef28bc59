//! The scripts that set a router up: its setup script (with a new secret) and its hotspot
//! login page.

use crate::{
    domain::{catalog::Router, router_secret},
    routeros,
    services::{Platform, ServiceError, Tiketi},
};

impl<P: Platform> Tiketi<P> {
    /// The setup script of a router, with a new secret (which revokes the previous one): what
    /// the operator pastes into the router once.
    pub async fn router_setup_script(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<String, ServiceError> {
        // Validate before rotating: a refused setup must not lock out the working router.
        let invalid = |e: routeros::InvalidSetup| ServiceError::Invalid(e.to_string());
        let placeholder = "0".repeat(32);
        self.setup_params(operator_id, router_id, &placeholder)
            .await?
            .validate()
            .map_err(invalid)?;
        let secret = self.rotate_router_secret(operator_id, router_id).await?;
        let params = self
            .setup_params(operator_id, router_id, secret.expose())
            .await?;
        params.validate().map_err(invalid)?;
        Ok(routeros::setup_script(&params))
    }

    /// The router's login page (`login.html`), which its setup script downloads.
    pub async fn router_login_page(&self, router: &Router) -> Result<String, ServiceError> {
        let params = self
            .setup_params(&router.operator_id, &router.id, "-")
            .await?;
        Ok(routeros::login_page(&params))
    }

    async fn setup_params(
        &self,
        operator_id: &str,
        router_id: &str,
        secret: &str,
    ) -> Result<routeros::SetupParams, ServiceError> {
        let storefront = self.storefront(operator_id, router_id).await?;
        let base = &self.settings.public_base_url;
        let router_base = format!(
            "{}/routers/{operator_id}/{router_id}",
            self.settings.router_base_url
        );
        let checkout_url = format!("{base}/checkout/{operator_id}/{router_id}");
        let mut walled_garden_hosts: Vec<String> =
            routeros::url_host(&checkout_url).into_iter().collect();
        walled_garden_hosts.extend(
            routeros::pesapal_walled_garden_hosts()
                .into_iter()
                .map(str::to_owned),
        );
        let network = &storefront.router.hotspot;
        Ok(routeros::SetupParams {
            router_id: router_id.to_owned(),
            business_name: storefront.operator.business_name.clone(),
            hotspot_interface: network.interface.clone(),
            address_pool: network.pool.clone(),
            hotspot_address: network.address.clone(),
            dns_name: storefront.router.hotspot_dns.clone(),
            checkout_url,
            walled_garden_hosts,
            sync_url: format!("{router_base}/sync"),
            report_url: format!("{router_base}/report"),
            secret_header: format!("{}: {secret}", router_secret::HEADER),
            profiles: storefront
                .ticket_types
                .iter()
                .flat_map(routeros::profiles_for)
                .collect(),
        })
    }
}
