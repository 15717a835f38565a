use clerk::Session;

struct Page {
    user: String,
}

#[clerk::protect]
async fn page(session: Session) -> Page {
    Page {
        user: session.user_id().to_owned(),
    }
}

fn main() {}
