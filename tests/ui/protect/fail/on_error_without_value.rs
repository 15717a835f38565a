use clerk::Session;

#[clerk::protect(on_error)]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(on_error = , role = "org:admin")]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
