use clerk::{Auth, AuthError, HttpError};

#[clerk::with_session(on_error = halt)]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

async fn halt(_: &AuthError) -> HttpError {
    HttpError::unauthorized()
}

fn main() {}
