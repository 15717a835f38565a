#[clerk::protect]
struct Admin;

fn main() {}
