use clerk::Session;

#[derive(Clone)]
struct Dashboard;

impl Dashboard {
    #[clerk::require_session]
    async fn show(self, session: Session) -> String {
        session.user_id().to_owned()
    }
}

fn main() {}
