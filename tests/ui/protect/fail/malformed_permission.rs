use clerk::Session;

#[clerk::protect(permission = "invoices:create")]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(permission = "org:invoices")]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(permission = "org:invoices:")]
async fn c(session: Session) -> String {
    session.user_id().to_owned()
}

fn main() {}
