//! The demo provider's checkout, fetched and answered through the core (the backend may use
//! a private CA the webview does not trust), only ever on the backend's own origin.

use super::refused;
use crate::error::Error;
use crate::http::Call;
use crate::inner::{Account, Inner};
use linli_wire::bills::PaymentOrder;
use linli_wire::{ErrorCode, PaymentOrderId};

impl Inner {
    /// The path of a demo checkout URL (`/demo-pay/{id}/{secret}[/confirm|/fail]`), if it is on
    /// the backend's own origin. The secret is a path segment, so nothing of it goes in a query.
    fn checkout_target(&self, url: &str, id: PaymentOrderId) -> Result<String, Error> {
        let parsed = url::Url::parse(url)
            .map_err(|_| Error::BadResponse("a checkout URL that is not a URL".into()))?;
        let base = self.http.backend()?.base.clone();
        let same_origin = parsed.scheme() == base.scheme()
            && parsed.host_str() == base.host_str()
            && parsed.port_or_known_default() == base.port_or_known_default();
        let prefix = format!("/demo-pay/{id}/");
        let has_secret = parsed
            .path()
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('/').next())
            .is_some_and(|secret| !secret.is_empty());
        if !same_origin || !has_secret || parsed.query().is_some() {
            return Err(Error::BadResponse(
                "the checkout is not on this backend".into(),
            ));
        }
        Ok(parsed.path().to_owned())
    }

    /// The demo provider's checkout page (HTML) for an order awaiting payment.
    pub(crate) async fn checkout_page(
        &self,
        account: &Account,
        id: PaymentOrderId,
    ) -> Result<String, Error> {
        let order = self.payment_order(account, id).await?;
        let Some(linli_wire::bills::ClientAction::DemoConfirm { url }) = order.client_action else {
            return Err(refused(
                ErrorCode::InvalidTransition,
                "this order cannot be paid any more",
            ));
        };
        let path = self.checkout_target(&url, id)?;
        let reply = self.http.send(&Call::get(path), None, self.now()).await?;
        Ok(String::from_utf8_lossy(reply.body()).into_owned())
    }

    /// Posts the payer's choice from the checkout page (`…/confirm` or `…/fail`), then asks
    /// the backend how the order stands.
    pub(crate) async fn checkout_action(
        &self,
        account: &Account,
        id: PaymentOrderId,
        action_url: &str,
    ) -> Result<PaymentOrder, Error> {
        let path = self.checkout_target(action_url, id)?;
        if !(path.ends_with("/confirm") || path.ends_with("/fail")) {
            return Err(Error::BadResponse("not a checkout action".into()));
        }
        match self
            .http
            .send(&Call::post_empty(path), None, self.now())
            .await
        {
            Ok(_) | Err(Error::Api { .. }) => {}
            Err(err) => return Err(err),
        }
        self.payment_order(account, id).await
    }
}
