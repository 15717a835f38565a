use clerk::Session;

#[clerk::require_session(on_error = unauthorised)]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
