//! `soak serve`: the local Clerk stand-in and a `#[clerk::protect]` route, one worker thread.

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{Clerk, Session};

use crate::{flag, BoxError};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
}

#[clerk::protect]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

pub(crate) fn serve(args: &[String]) -> Result<(), BoxError> {
    let port: u16 = args.first().ok_or("serve: <port> missing")?.parse()?;
    let tokens_file = args.get(1).ok_or("serve: <tokens-file> missing")?.clone();
    let users: usize = flag(args, "--users", 1000)?;
    // One worker thread: the soak script pins the server to one core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mock = MockClerk::start().await;
        let day = 24 * 3600;
        let valid: Vec<String> = (0..users)
            .map(|i| {
                mock.token()
                    .user(&format!("user_soak_{i:05}"))
                    .session(&format!("sess_soak_{i:05}"))
                    .expires_in_secs(day)
                    .sign()
            })
            .collect();
        let expired: Vec<String> = (0..100)
            .map(|i| {
                mock.token()
                    .user(&format!("user_soak_{i:05}"))
                    .expired()
                    .sign()
            })
            .collect();
        let unknown_kid: Vec<String> = (0..10)
            .map(|i| {
                mock.token()
                    .user(&format!("user_soak_{i:05}"))
                    .header("kid", format!("ins_soak_unknown_{i}"))
                    .expires_in_secs(day)
                    .sign()
            })
            .collect();
        let clerk = mock.clerk();
        // Warm the JWKS so that the first request does not fetch it.
        clerk.verify_token(&valid[0]).await?;

        let app = Router::new()
            .route("/me", get(me))
            .with_state(AppState { clerk });
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(([127, 0, 0, 1], port).into())?;
        // A deep accept queue for the connection ramp (the kernel caps it at somaxconn).
        let listener = socket.listen(8192)?;
        // The tokens file is written last: the script waits for it.
        std::fs::write(
            &tokens_file,
            serde_json::json!({"valid": valid, "expired": expired, "unknown_kid": unknown_kid})
                .to_string(),
        )?;
        axum::serve(listener, app).await?;
        drop(mock);
        Ok::<(), BoxError>(())
    })
}
