use clerk::{Auth, AuthError};

#[clerk::with_session(on_error = halt)]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn halt(_: &AuthError) -> Option<u32> {
    Some(419)
}

fn main() {}
