use clerk::Session;

#[clerk::protect(plan = "org:pro:annual")]
async fn pricing(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
