use clerk::Session;

#[clerk::protect(reverification = "strict_2fa")]
async fn settings(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
