use clerk::User;

#[clerk::require_session]
async fn profile(user: User, again: clerk::User) -> String {
    format!("{} {}", user.id, again.id)
}

fn main() {}
