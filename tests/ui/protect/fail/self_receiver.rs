use clerk::Session;

struct Api;

impl Api {
    #[clerk::protect]
    async fn me(&self, session: Session) -> String {
        session.user_id().to_owned()
    }
}

fn main() {}
