//! Where the session token comes from, as bytes on the wire: `parse_cases` (generated
//! `Cookie` headers, and what `clerk::token::extract::cookie` reads for a few names, to
//! compare with the cookies `@clerk/backend`'s `createClerkRequest` reads) and
//! `source_cases` (session and `__client_uat` spellings: quotes, Latin-1 bytes, escapes,
//! `parseInt` forms, several `Cookie` headers; and what `authenticate_request` decides).
//!
//! A header is a string of characters up to U+00FF, one per byte: `differential.mjs` sends
//! those bytes to a `node:http` server, which reads them as Latin-1 and joins several
//! `Cookie` headers with `; ` before the `Request` reaches Clerk, as in production.

use axum::http::{HeaderMap, HeaderValue, Method};
use clerk::testing::MockClerk;
use clerk::token::extract::cookie;
use clerk::{Clerk, PublishableKey};
use serde_json::{json, Value};

use super::{outcome, Lcg};

/// The bytes of a header whose characters are all up to U+00FF.
fn latin1_bytes(header: &str) -> Vec<u8> {
    header
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

/// The headers as the SDK receives them, one `Cookie` entry each.
fn cookie_headers(headers: &[String]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for header in headers {
        let value = HeaderValue::from_bytes(&latin1_bytes(header)).expect("a valid header value");
        map.append("cookie", value);
    }
    map
}

/// The names every parse case is read for: Clerk's, and names that only look alike.
const NAMES: [&str; 8] = [
    "__session",
    "__client_uat",
    "a",
    "a b",
    "\"a\"",
    "\u{a0}a",
    "\u{e9}",
    "",
];

/// Pieces of names and values: quotes, escapes that decode and that do not, Latin-1
/// characters (U+00A0 among them), `=` and the whitespace `parse` trims and does not.
const PIECES: [&str; 24] = [
    "x",
    "1",
    "\"",
    "=",
    " ",
    "\t",
    "%",
    "%41",
    "%C3%A9",
    "%E2%82%AC",
    "%ZZ",
    "%C3",
    "%+1",
    "%C2%A0",
    "%22",
    "%3B",
    "\u{e9}",
    "\u{a0}",
    "\u{ff}",
    "\u{c2}",
    "tok.en",
    "a",
    "__session",
    "1700000000",
];

/// A generated `Cookie` header: parts separated by `;` variants, some without `=`.
fn parse_header(rng: &mut Lcg) -> String {
    let separators = [";", "; ", ";;", " ; ", ";\t", "; \u{a0}"];
    let mut header = String::new();
    for i in 0..1 + rng.below(5) {
        if i > 0 {
            header.push_str(separators[rng.below(separators.len())]);
        }
        let piece = |rng: &mut Lcg, n: usize| -> String {
            (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
        };
        let pad = |rng: &mut Lcg| [" ", "\t", "", "", "\u{a0}"][rng.below(5)];
        match rng.below(6) {
            // A part without `=`.
            0 => {
                let n = rng.below(3);
                header.push_str(&piece(rng, n).replace('=', ""));
            }
            _ => {
                let name = match rng.below(3) {
                    0 => NAMES[rng.below(NAMES.len())].to_owned(),
                    _ => ["__session", "__client_uat", "a"][rng.below(3)].to_owned(),
                };
                let value = {
                    let n = rng.below(4);
                    piece(rng, n)
                };
                let quoted = rng.below(4) == 0;
                header.push_str(pad(rng));
                header.push_str(&name);
                header.push_str(pad(rng));
                header.push('=');
                header.push_str(pad(rng));
                if quoted {
                    header.push('"');
                }
                header.push_str(&value);
                if quoted {
                    header.push('"');
                }
                header.push_str(pad(rng));
            }
        }
    }
    // HTTP servers drop the spaces and tabs around a header value (Node.js, hyper): the
    // SDK is handed the value without them. A value left empty is a one-character one.
    let trimmed = header.trim_matches([' ', '\t']);
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// One to three generated `Cookie` headers, and the SDK's reading of every name in
/// [`NAMES`] (`null` when absent).
pub fn parse_cases() -> Vec<Value> {
    let mut rng = Lcg(0xc00c1e);
    (0..600)
        .map(|_| {
            let headers: Vec<String> = (0..1 + rng.below(3))
                .map(|_| parse_header(&mut rng))
                .collect();
            let map = cookie_headers(&headers);
            let values: Vec<Option<String>> = NAMES.iter().map(|n| cookie(&map, n)).collect();
            json!({"headers": headers, "names": NAMES, "rust": values})
        })
        .collect()
}

/// Spellings of the session cookies, each as one or more `Cookie` headers, for a
/// development and a production instance; and the SDK's decision.
pub async fn source_cases(mock: &MockClerk, instances: [(&str, &Clerk, &str); 2]) -> Vec<Value> {
    let mut cases = Vec::new();
    for (name, clerk, pk) in instances {
        let suffix = PublishableKey::parse(pk).expect("valid").cookie_suffix();
        let builder = mock.token().user("user_src").expires_in_secs(600);
        let t = builder.claims()["iat"].as_i64().expect("iat");
        let token = builder.sign();
        let dotted = token.replace('.', "%2E");
        let dev_browser = format!("__clerk_db_jwt=dvb_x; __clerk_db_jwt_{suffix}=dvb_x");
        let uats = [
            format!("{t}"),
            format!("\"{t}\""),
            format!("0x{t:x}"),
            format!("0X{t:X}"),
            format!("0x{:x}", t + 1),
            "0x".to_owned(),
            format!("\u{a0}{t}"),
            format!("\u{c2}\u{a0}{t}"),
            format!("%C2%A0{t}"),
            format!("%20{t}"),
            format!("%09{t}"),
            format!("%0B{t}"),
            format!("%E2%80%A8{t}"),
            format!("%EF%BB%BF{t}"),
            format!("%E3%80%80{t}"),
            format!("%C2%85{t}"),
            format!("+{t}"),
            format!("-{t}"),
            format!("{t}.9"),
            format!("{t}e3"),
            format!("{}", t + 1),
            format!("\u{e9}{t}"),
        ];
        let sessions = [
            token.clone(),
            format!("\"{token}\""),
            format!("{token}\u{a0}"),
            format!("\u{a0}{token}"),
            dotted.clone(),
            format!("%22{dotted}%22"),
            format!("{token}\u{e9}"),
        ];
        let mut push = |headers: Vec<String>| cases.push((name, clerk, headers));
        for session in &sessions {
            push(vec![format!(
                "{dev_browser}; __session={session}; __client_uat={t}"
            )]);
            push(vec![format!(
                "{dev_browser}; __session_{suffix}={session}; __client_uat_{suffix}={t}"
            )]);
        }
        for uat in &uats {
            push(vec![format!(
                "{dev_browser}; __session={token}; __client_uat={uat}"
            )]);
            push(vec![format!("{dev_browser}; __client_uat={uat}")]);
            push(vec![format!(
                "{dev_browser}; __session_{suffix}={token}; __client_uat_{suffix}={uat}"
            )]);
        }
        // Several `Cookie` headers.
        for headers in [
            vec![
                dev_browser.clone(),
                format!("__session={token}"),
                format!("__client_uat={t}"),
            ],
            vec![
                format!("__client_uat={t}; {dev_browser}"),
                format!("__session={token}"),
            ],
            vec![
                format!("{dev_browser}; __session={token}; flag"),
                format!("__client_uat={t}"),
            ],
            vec![
                format!("{dev_browser}; __session={token}; __client_uat=0"),
                format!("__client_uat={t}"),
            ],
            vec![
                format!("{dev_browser}; __session=garbage"),
                format!("__session={token}; __client_uat={t}"),
            ],
            vec![
                format!("{dev_browser}; __session={token}"),
                format!("__session_{suffix}={token}; __client_uat_{suffix}={t}"),
            ],
            vec![
                format!("{dev_browser}; __session={token}; __client_uat"),
                format!("={t}"),
            ],
        ] {
            push(headers);
        }
    }
    let mut out = Vec::new();
    for (instance, clerk, headers) in cases {
        let state = clerk
            .authenticate_headers(&Method::GET, &cookie_headers(&headers))
            .await;
        out.push(json!({"instance": instance, "headers": headers, "rust": outcome(&state)}));
    }
    out
}
