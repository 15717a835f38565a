use clerk::Session;

#[clerk::require_session]
pub fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
