use clerk::{HttpError, Session};

#[clerk::require_session(on_error = deny)]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

async fn deny(_: &http::StatusCode) -> HttpError {
    HttpError::unauthorized()
}

fn main() {}
