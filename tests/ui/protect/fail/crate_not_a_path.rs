use clerk::Session;

#[clerk::protect(crate = "my clerk")]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
