use clerk::{Auth, Session};

#[clerk::with_session]
async fn home(session: Option<Session>, auth: Auth, again: Option<clerk::Session>) -> String {
    format!(
        "{:?} {:?} {:?}",
        session.is_some(),
        auth.user_id(),
        again.is_some()
    )
}

fn main() {}
