use clerk::Auth;

#[clerk::with_session(redirect_to_sign_in)]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn main() {}
