use clerk::Session;

#[clerk::require_session(crate)]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
