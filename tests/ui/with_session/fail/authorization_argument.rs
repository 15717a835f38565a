use clerk::Auth;

#[clerk::with_session(role = "org:admin")]
async fn a(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::with_session(any(permission = "org:invoices:read"))]
async fn b(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn main() {}
