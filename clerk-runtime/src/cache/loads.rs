//! Single-flight Backend API loads of users, with or without a user cache.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use crate::api::{ApiError, User};

type UserLoad = tokio::sync::OnceCell<Result<User, ApiError>>;

/// The `GET /users/{id}` calls of one `Clerk` in flight, one per user id: concurrent
/// requests for a user share one call (Clerk rate-limits the Backend API per secret key),
/// whether a user cache is configured or not. A load is forgotten once it is over, so a
/// later request loads the user again (or finds it in the user cache).
#[derive(Default)]
pub(crate) struct UserLoads {
    in_flight: Mutex<HashMap<String, Arc<UserLoad>>>,
}

impl UserLoads {
    /// Runs `load` for `user_id`, or waits for the load of the same user already in flight
    /// and shares its answer (success or error). If the loading request is cancelled, a
    /// waiting one takes over.
    pub(crate) async fn load_once<F, Fut>(&self, user_id: &str, load: F) -> Result<User, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<User, ApiError>>,
    {
        let cell = {
            let mut loads = self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            loads.entry(user_id.to_owned()).or_default().clone()
        };
        let result = cell.get_or_init(load).await.clone();
        let mut loads = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if loads.get(user_id).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            loads.remove(user_id);
        }
        result
    }

    /// How many loads are in flight.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_loads_of_one_user_share_one_call() {
        let loads = Arc::new(UserLoads::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let load = |loads: Arc<UserLoads>, id: &'static str| {
            let calls = calls.clone();
            async move {
                loads
                    .load_once(id, || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err(ApiError::Timeout)
                    })
                    .await
            }
        };
        let same: Vec<_> = (0..10)
            .map(|_| tokio::spawn(load(loads.clone(), "user_a")))
            .collect();
        let other = tokio::spawn(load(loads.clone(), "user_b"));
        for task in same {
            assert_eq!(task.await.unwrap(), Err(ApiError::Timeout));
        }
        other.await.unwrap().unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one call per user");
        assert_eq!(loads.len(), 0, "finished loads are forgotten");
        load(loads.clone(), "user_a").await.unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 3, "a later load calls again");
    }
}
