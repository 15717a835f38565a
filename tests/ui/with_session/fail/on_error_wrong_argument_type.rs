use clerk::{Auth, HttpError};

#[clerk::with_session(on_error = halt)]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn halt(reason: &str) -> Option<HttpError> {
    (reason == "token-expired").then(HttpError::unauthorized)
}

fn main() {}
