use clerk::Session;

#[clerk::require_session(krate = "clerk")]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session(on_failure = "deny")]
async fn other(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
