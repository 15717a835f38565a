use clerk::{AuthError, HttpError, Session};

#[clerk::protect(on_error = deny)]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn deny(_: AuthError) -> HttpError {
    HttpError::forbidden()
}

mod errors {
    pub async fn deny(_: &String) -> clerk::HttpError {
        clerk::HttpError::forbidden()
    }
}

#[clerk::protect(role = "org:admin", on_error = errors::deny)]
async fn other(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
