use clerk::{AuthError, Session};

struct Denied;

#[clerk::protect(on_error = deny)]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn deny(_: &AuthError) -> Denied {
    Denied
}

fn main() {}
