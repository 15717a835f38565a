use clerk::Auth;

#[clerk::with_session]
async fn home(auth: Option<Auth>) -> String {
    format!("{:?}", auth.is_some())
}

fn main() {}
