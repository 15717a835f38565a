//! [`ClerkBuilder::handshake_call_pacing`].

use super::ClerkBuilder;
use crate::frontend::HandshakeCallPacing;

impl ClerkBuilder {
    /// How fast this instance calls the Backend API on behalf of browser input: handshake
    /// nonce exchanges (`__clerk_handshake_nonce`) and server-side refreshes (an expired
    /// `__session` with a `__refresh_<suffix>` cookie). Any request can trigger one, so a
    /// flood of made-up nonces or refresh cookies could otherwise spend the instance's
    /// Backend API rate limit. Within the pace (default: a burst of 50, then 50 per second)
    /// nothing changes; beyond it a call waits for its slot up to `max_wait` (default 3 s),
    /// and only then fails as an unreachable Backend API would: the nonce is not exchanged,
    /// the refresh fails with `session-token-expired-refresh-fetch-error` (a navigation then
    /// goes through the handshake).
    ///
    /// ```
    /// use clerk_runtime::{Clerk, HandshakeCallPacing};
    ///
    /// let clerk = Clerk::builder()
    ///     .secret_key("sk_test_abc")
    ///     .handshake_call_pacing(HandshakeCallPacing {
    ///         calls_per_second: 20,
    ///         burst: 20,
    ///         ..HandshakeCallPacing::default()
    ///     })
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// # let _ = clerk;
    /// ```
    pub fn handshake_call_pacing(mut self, pacing: HandshakeCallPacing) -> Self {
        self.handshake_call_pacing = pacing;
        self
    }
}
