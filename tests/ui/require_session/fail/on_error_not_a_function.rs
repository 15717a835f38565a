use clerk::Session;

const DENY: u16 = 401;

#[clerk::require_session(on_error = DENY)]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
