use clerk::Session;

#[clerk::protect(redirect_to_sign_in = true)]
async fn page(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
