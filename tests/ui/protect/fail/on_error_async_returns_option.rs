use clerk::{AuthError, HttpError, Session};

#[clerk::protect(role = "org:admin", on_error = deny)]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

async fn deny(err: &AuthError) -> Option<HttpError> {
    err.is_authorization().then(HttpError::forbidden)
}

fn main() {}
