//! `WebhookSender`: delivers a webhook to redgreen the way GitHub does — POST with
//! `X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256` computed over exactly the
//! bytes sent, `application/json`, and a `GitHub-Hookshot/…` user agent.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Sends signed webhooks to one endpoint (redgreen's `POST /webhooks/github`).
pub struct WebhookSender {
    url: String,
    secret: Vec<u8>,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebhookSender {
    // The secret stays out of test output.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("WebhookSender")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// `sha256=<hex hmac>` of `body` under `secret`: the `X-Hub-Signature-256` value.
pub fn signature_256(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|error| panic!("HMAC key: {error}"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl WebhookSender {
    pub fn new(url: impl Into<String>, secret: impl AsRef<[u8]>) -> WebhookSender {
        WebhookSender {
            url: url.into(),
            secret: secret.as_ref().to_vec(),
            client: reqwest::Client::new(),
        }
    }

    /// POSTs `body` as event `event` with delivery id `delivery_id`; returns the status and
    /// the response body.
    ///
    /// # Panics
    /// When the endpoint cannot be reached at all (a test cannot go on without it).
    pub async fn send(&self, event: &str, delivery_id: &str, body: Vec<u8>) -> (u16, String) {
        let signature = signature_256(&self.secret, &body);
        self.post(event, delivery_id, body, Some(signature)).await
    }

    /// Sends with a signature of the test's choosing (`None`: no signature header), to test
    /// refusals.
    ///
    /// # Panics
    /// When the endpoint cannot be reached at all.
    pub async fn send_with_signature(
        &self,
        event: &str,
        delivery_id: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> (u16, String) {
        self.post(event, delivery_id, body, signature).await
    }

    async fn post(
        &self,
        event: &str,
        delivery_id: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> (u16, String) {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("user-agent", "GitHub-Hookshot/redgreen-testkit")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery_id)
            .header("x-github-hook-id", "1")
            .header("x-github-hook-installation-target-type", "integration")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("webhook to {} failed: {error}", self.url));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, text)
    }
}
