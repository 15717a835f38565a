use clerk::Session;

#[clerk::protect(feature = "team:premium_support")]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(feature = "")]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
