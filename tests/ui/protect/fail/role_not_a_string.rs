use clerk::Session;

#[clerk::protect(role = admin)]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(permission)]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
