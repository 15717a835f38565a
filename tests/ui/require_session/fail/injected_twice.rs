use clerk::{Auth, Session};

#[clerk::require_session]
async fn dashboard(auth: Auth, session: Session, other: Auth) -> String {
    format!(
        "{:?} {} {:?}",
        auth.user_id(),
        session.user_id(),
        other.user_id()
    )
}

fn main() {}
