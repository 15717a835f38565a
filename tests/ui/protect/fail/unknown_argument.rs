use clerk::Session;

#[clerk::protect(rol = "org:admin")]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
