use clerk::{AuthError, HttpError, Session};

#[clerk::protect(any(role = "org:admin", on_error = deny))]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn deny(_: &AuthError) -> HttpError {
    HttpError::forbidden()
}

fn main() {}
