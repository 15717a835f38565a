use clerk::Session;

#[clerk::protect(any())]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
