use clerk::{AuthError, HttpError, Session};

#[clerk::protect(on_error = "deny")]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(on_error = |_| HttpError::forbidden())]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(on_error = deny())]
async fn c(session: Session) -> String {
    session.user_id().to_owned()
}

fn deny(_: &AuthError) -> HttpError {
    HttpError::forbidden()
}

fn main() {}
