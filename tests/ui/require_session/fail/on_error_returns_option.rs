use clerk::{AuthError, HttpError, Session};

#[clerk::require_session(on_error = maybe)]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn maybe(err: &AuthError) -> Option<HttpError> {
    err.is_missing_token().then(HttpError::unauthorized)
}

fn main() {}
