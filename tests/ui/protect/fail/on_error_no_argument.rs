use clerk::{HttpError, Session};

#[clerk::protect(on_error = deny)]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

async fn deny() -> HttpError {
    HttpError::forbidden()
}

fn main() {}
