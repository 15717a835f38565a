//! The path of an opaque machine token (`ak_…`, `mt_…`, `oat_…`) to the Backend API: the
//! positive cache (refreshed while in use), the negative cache, the instance's rate-limit
//! gate, its verification budget, then one call per token at a time.

use super::budget::Priority;
use super::cache::Lookup;
use super::error::{MachineTokenVerificationError, MachineTokenVerificationErrorCode as Code};
use super::verify::{error, held_back, Instance, Verifier};
use super::{MachineAuth, TokenType};
use crate::token::jwt::MAX_TOKEN_LEN;
use crate::token::rules::millis_since_epoch;

type Outcome = Result<MachineAuth, MachineTokenVerificationError>;

/// Whether a refusal is Clerk's word on the token (remembered in the negative cache): a
/// 404 or another answer that the token is no good (400, 410, 422), or a 200 that says it
/// is revoked or expired. Not a 5xx, a 429, a timeout, a refused secret key, or an answer
/// that could not be read.
fn clerk_refused(refusal: &MachineTokenVerificationError) -> bool {
    refusal.code() == Code::TokenInvalid || matches!(refusal.status(), Some(400 | 404 | 410 | 422))
}

impl<I: Instance> Verifier<'_, I> {
    /// An opaque token of a known type: the caches, then (within the budget) one Backend
    /// API call per token at a time.
    pub(crate) async fn verify_opaque_machine_token(
        &self,
        token: &str,
        token_type: TokenType,
    ) -> Outcome {
        if token.len() > MAX_TOKEN_LEN {
            return Err(error(
                Code::TokenInvalid,
                "Token is larger than the accepted maximum size.",
                Some(token_type),
            ));
        }
        let machine = self.0.machine();
        let priority = match machine.cache.lookup(token) {
            Lookup::Fresh(auth) => return Ok(auth),
            Lookup::Refresh(auth) => {
                refresh_in_background(self.0.clone(), token, token_type);
                return Ok(auth);
            }
            Lookup::Expired => Priority::Known,
            Lookup::Unknown => Priority::Unknown,
        };
        if let Some(refusal) = machine.negative.get(token) {
            return Err(refusal);
        }
        let instance = self.0.clone();
        let owned: Box<str> = token.into();
        machine
            .cache
            .single_flight(token, move || async move {
                Verifier(&instance)
                    .verify_within_budget(&owned, token_type, priority)
                    .await
            })
            .await
    }

    /// One Backend API verification if the instance may make it now, remembered: a
    /// success in the positive cache, Clerk's refusal in the negative one.
    async fn verify_within_budget(
        &self,
        token: &str,
        token_type: TokenType,
        priority: Priority,
    ) -> Outcome {
        let machine = self.0.machine();
        // Fail fast while rate-limited, without spending the budget.
        if let Some(retry_after) = self.0.api().backing_off() {
            return Err(held_back(token_type, retry_after));
        }
        let Some(_permit) = machine.budget.try_acquire(priority) else {
            return Err(error(
                Code::TokenInvalid,
                "Not verified: this instance's budget of machine token verifications is spent (too many tokens it does not know).",
                Some(token_type),
            ));
        };
        let result = self.fetch_machine_token(token, token_type).await;
        match &result {
            Ok(auth) => {
                let now = millis_since_epoch(self.0.now()) as i64;
                machine.cache.insert(token, auth, now);
            }
            Err(refusal) if clerk_refused(refusal) => {
                machine.cache.remove(token);
                machine.negative.insert(token, refusal);
            }
            Err(_) => {}
        }
        result
    }
}

/// Verifies a cached token again in the background (with the budget's reserve), so that
/// the entry is replaced before it ends; requests keep using it meanwhile.
fn refresh_in_background<I: Instance>(instance: I, token: &str, token_type: TokenType) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        instance.machine().cache.refresh_failed(token);
        return;
    };
    let token: Box<str> = token.into();
    runtime.spawn(async move {
        let verifier = instance.clone();
        let owned = token.clone();
        let cache = &instance.machine().cache;
        let result = cache
            .single_flight(&token, move || async move {
                Verifier(&verifier)
                    .verify_within_budget(&owned, token_type, Priority::Known)
                    .await
            })
            .await;
        // A refusal by Clerk removed the entry already; any other failure leaves it.
        if result.is_err() {
            cache.refresh_failed(&token);
        }
    });
}
