use clerk::Session;

#[clerk::with_session]
#[clerk::require_session]
async fn home(session: Option<Session>) -> String {
    format!("{:?}", session.is_some())
}

fn main() {}
