// `accepts` names token types: `session`, `api_key`, `m2m`, `oauth` (or `accepts = any`).

#[clerk::protect(accepts = [session, api_keys])]
async fn typo(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = m2m_token)]
async fn clerk_name(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = [bearer])]
async fn unknown(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = ["api_key"])]
async fn string(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = [session, any])]
async fn any_in_list(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = [])]
async fn empty(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = [api_key, m2m, api_key])]
async fn twice(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts)]
async fn no_value(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/typo", get(typo))
        .route("/clerk_name", get(clerk_name))
        .route("/unknown", get(unknown))
        .route("/string", get(string))
        .route("/any", get(any_in_list))
        .route("/empty", get(empty))
        .route("/twice", get(twice))
        .route("/no_value", get(no_value))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
