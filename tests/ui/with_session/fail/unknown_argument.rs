use clerk::{Auth, AuthError, HttpError};

#[clerk::with_session(on_eror = halt)]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn halt(_: &AuthError) -> Option<HttpError> {
    None
}

fn main() {}
