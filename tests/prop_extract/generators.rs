//! Generated requests: tokens, `Authorization` values and cookie headers.

use super::*;

/// The users of the signed tokens: `KNOWN[i]` signs in as `USERS[i]`.
pub(crate) const USERS: [&str; 8] = [
    "user_a",
    "user_b",
    "user_c",
    "user_d",
    "user_foreign",
    "user_no_iss",
    "user_older",
    "user_expired",
];
/// A token of another instance (`iss` `https://clerk.other.example`), valid for this one's
/// key: it chooses the suffixed cookie family (§1.4).
pub(crate) const FOREIGN: usize = 4;
/// A token without `iss`: it chooses the plain family.
pub(crate) const NO_ISS: usize = 5;
/// An older token (`iat` = T0 − 100), still valid.
pub(crate) const OLDER: usize = 6;
/// The last known token is expired (`exp` = T0 − 200, `iat` = T0 − 260).
pub(crate) const EXPIRED: usize = 7;

/// The `iat` of `KNOWN[i]`.
pub(crate) fn known_iat(i: usize) -> i64 {
    match i {
        EXPIRED => T0 - 260,
        OLDER => T0 - 100,
        _ => T0,
    }
}

/// A candidate token.
#[derive(Clone, Debug)]
pub(crate) enum Tok {
    /// `KNOWN[i]`.
    Known(usize),
    /// `KNOWN[i]` with an `x` in front (a header that is no longer JSON).
    Prefixed(usize),
    /// `KNOWN[i]` without its last 4 characters (a truncated signature).
    Truncated(usize),
    /// `KNOWN[i]` with a fourth segment.
    FourParts(usize),
    /// Characters a cookie value may hold, `=` included.
    Garbage(String),
    /// Bytes outside ASCII between visible characters.
    ObsText(Vec<u8>),
    Empty,
}

pub(crate) fn tok() -> impl Strategy<Value = Tok> {
    let i = 0..USERS.len();
    prop_oneof![
        8 => i.clone().prop_map(Tok::Known),
        1 => i.clone().prop_map(Tok::Prefixed),
        1 => i.clone().prop_map(Tok::Truncated),
        1 => i.prop_map(Tok::FourParts),
        2 => "[A-Za-z0-9._=-]{1,24}".prop_map(Tok::Garbage),
        1 => ("[a-z.]{0,4}", prop::collection::vec(0x80u8..=0xff, 1..4), "[a-z.]{0,4}")
            .prop_map(|(a, obs, b)| {
                let mut v = a.into_bytes();
                v.extend(obs);
                v.extend(b.into_bytes());
                Tok::ObsText(v)
            }),
        1 => Just(Tok::Empty),
    ]
}

/// The `Authorization` header.
#[derive(Clone, Debug)]
pub(crate) enum Authorization {
    Absent,
    /// `<scheme><separator><token><extra>`.
    Structured {
        scheme: &'static str,
        separator: &'static str,
        token: Tok,
        extra: &'static [u8],
    },
    /// Any bytes a header value may hold, spaces frequent.
    Bytes(Vec<u8>),
}

pub(crate) fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => Just(b' '),
        1 => Just(b'\t'),
        8 => 0x21u8..=0x7e,
        2 => 0x80u8..=0xff,
    ]
}

pub(crate) fn authorization() -> impl Strategy<Value = Authorization> {
    let scheme = prop::sample::select(
        &[
            "Bearer", "Bearer", "Bearer", "Bearer", "Bearer", "Bearer", "bearer", "BEARER",
            "BeArEr", "Basic", "Token", "Bearer:", "", "x",
        ][..],
    );
    let separator =
        prop::sample::select(&[" ", " ", " ", " ", " ", "  ", "\t", "", " \t", "   "][..]);
    let extra = prop::sample::select(vec![
        &b""[..],
        &b""[..],
        &b" extra"[..],
        &b" "[..],
        &b"  x"[..],
        &b" \xff\xfe"[..],
        &b" a b c"[..],
        &b"\t"[..],
    ]);
    let clean = (0..USERS.len()).prop_map(|i| Authorization::Structured {
        scheme: "Bearer",
        separator: " ",
        token: Tok::Known(i),
        extra: b"",
    });
    prop_oneof![
        6 => Just(Authorization::Absent),
        2 => clean,
        4 => (scheme, separator, tok(), extra).prop_map(|(scheme, separator, token, extra)| {
            Authorization::Structured { scheme, separator, token, extra }
        }),
        2 => prop::collection::vec(header_byte(), 0..24).prop_map(Authorization::Bytes),
    ]
}

/// A cookie name.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Name {
    Session,
    /// `__session_<suffix of the configured publishable key>`.
    SessionSuffixed,
    ClientUat,
    ClientUatSuffixed,
    /// Names that must not be read: another instance's suffix, other spellings.
    Other(&'static str),
}

/// A cookie value.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Token(Tok),
    /// A `__client_uat`-like value.
    Uat(String),
}

#[derive(Clone, Debug)]
pub(crate) enum Item {
    Pair {
        name: Name,
        value: Val,
        quoted: bool,
        /// Before the name, after the name, before the value, after the value.
        space: [&'static [u8]; 4],
    },
    /// A part without `=`.
    Junk(&'static str),
    /// Another cookie whose value has bytes outside ASCII.
    OtherObs(Vec<u8>),
}

pub(crate) fn name() -> impl Strategy<Value = Name> {
    prop_oneof![
        4 => Just(Name::Session),
        3 => Just(Name::SessionSuffixed),
        4 => Just(Name::ClientUat),
        3 => Just(Name::ClientUatSuffixed),
        2 => prop::sample::select(
            &[
                "__session_zzzzzzzz",
                "__client_uat_zzzzzzzz",
                "__Session",
                "__session_",
                "__sessionx",
                "session",
                "__client_uat_",
                "other",
            ][..],
        )
        .prop_map(Name::Other),
    ]
}

pub(crate) fn uat_value() -> impl Strategy<Value = String> {
    let t = T0;
    prop_oneof![
        6 => prop::sample::select(vec![t - 261, t - 260, t - 1, t, t + 1, 1])
            .prop_map(|n| n.to_string()),
        3 => prop::sample::select(
            &[
                "0", "", "abc", "-5", "+1", "-0", "00", "1e3", "0x10", "99999999999999999999",
                "1700000000abc", "1700000000.9", "+1700000001", " 1700000001", "\t1700000000",
                "0x6553F100", "0X6553f0ff", "0x6553F101", "-0x1", "0x", "\"1700000000\"",
            ][..],
        )
        .prop_map(str::to_owned),
    ]
}

/// Whitespace around names and values: HTTP's (spaces and tabs) mostly, and characters
/// that only look like whitespace (U+00A0 and U+3000 in UTF-8, and a raw 0xA0 byte, which
/// Node.js reads as U+00A0).
pub(crate) fn space() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![
        &b""[..],
        &b""[..],
        &b""[..],
        &b" "[..],
        &b" "[..],
        &b"\t"[..],
        &b"  "[..],
        &b" \t"[..],
        &b"\xc2\xa0"[..],
        &b"\xe3\x80\x80"[..],
        &b"\xa0"[..],
    ])
}

pub(crate) fn item() -> impl Strategy<Value = Item> {
    let value = prop_oneof![3 => tok().prop_map(Val::Token), 2 => uat_value().prop_map(Val::Uat)];
    prop_oneof![
        10 => (name(), value, prop::bool::weighted(0.2), [space(), space(), space(), space()])
            .prop_map(|(name, value, quoted, space)| Item::Pair { name, value, quoted, space }),
        1 => prop::sample::select(&["flag", "", " ", "__session", "\"x\""][..]).prop_map(Item::Junk),
        1 => prop::collection::vec(0x80u8..=0xff, 1..4).prop_map(Item::OtherObs),
    ]
}

/// One `Cookie` header: items and the separators after each.
pub(crate) fn cookie_header() -> impl Strategy<Value = Vec<(Item, &'static str)>> {
    prop::collection::vec(
        (
            item(),
            prop::sample::select(&["; ", "; ", ";", ";;", " ; ", ";\t"][..]),
        ),
        0..6,
    )
}

#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) post: bool,
    /// Whether the instance has a publishable key (and so reads suffixed cookies).
    pub(crate) with_publishable_key: bool,
    pub(crate) authorization: Authorization,
    pub(crate) cookies: Vec<Vec<(Item, &'static str)>>,
}

/// Cookie headers; most of the time with a session cookie and a `__client_uat` (suffixed
/// or not) put among the other items, so that the cookie ladder reaches its last rows, and
/// often with a cookie of the other family too, so that the choice of a family (§1.4) is
/// exercised: foreign, issuer-less, older and expired tokens, `__client_uat=0`.
pub(crate) fn cookie_headers() -> impl Strategy<Value = Vec<Vec<(Item, &'static str)>>> {
    let session_name = prop::sample::select(&[Name::Session, Name::SessionSuffixed][..]);
    let uat_name = prop::sample::select(&[Name::ClientUat, Name::ClientUatSuffixed][..]);
    let uat = || {
        prop_oneof![
            6 => prop::sample::select(vec![T0 - 1, T0, T0 + 1, T0 - 150]).prop_map(|n| n.to_string()),
            1 => Just("0".to_owned()),
            1 => uat_value(),
        ]
    };
    // The other family's cookies: a session, a `__client_uat`, both or neither.
    let other = (
        prop::option::weighted(0.5, tok()),
        prop::option::weighted(0.5, uat()),
    );
    let pair = |name, value| Item::Pair {
        name,
        value,
        quoted: false,
        space: [b"", b"", b"", b""],
    };
    // A second `__session` (another token), anywhere: the first one must win.
    let duplicate = prop::option::weighted(
        0.3,
        (
            (0..USERS.len()).prop_map(Tok::Known),
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
        ),
    );
    let core = (
        session_name,
        tok(),
        uat_name,
        uat(),
        any::<prop::sample::Index>(),
        duplicate,
        prop::option::weighted(0.6, other),
    )
        .prop_map(
            move |(session_name, token, uat_name, uat, at, duplicate, other)| {
                let mut pairs = vec![
                    pair(session_name, Val::Token(token)),
                    pair(uat_name, Val::Uat(uat)),
                ];
                if let Some((other_token, other_uat)) = other {
                    let (other_session, other_uat_name) = match session_name {
                        Name::Session => (Name::SessionSuffixed, Name::ClientUatSuffixed),
                        _ => (Name::Session, Name::ClientUat),
                    };
                    if let Some(t) = other_token {
                        pairs.push(pair(other_session, Val::Token(t)));
                    }
                    if let Some(u) = other_uat {
                        // Next to the first `__client_uat` of its name, this one is ignored.
                        pairs.push(pair(other_uat_name, Val::Uat(u)));
                    }
                }
                (
                    pairs,
                    at,
                    duplicate.map(|(t, h, i)| (pair(Name::Session, Val::Token(t)), h, i)),
                )
            },
        );
    (
        prop::collection::vec(cookie_header(), 0..=3),
        prop::option::weighted(0.7, core),
    )
        .prop_map(|(mut headers, core)| {
            if let Some((pairs, at, duplicate)) = core {
                if headers.is_empty() {
                    headers.push(Vec::new());
                }
                let n = headers.len();
                let header = &mut headers[at.index(n)];
                let i = at.index(header.len() + 1);
                for pair in pairs.into_iter().rev() {
                    header.insert(i, (pair, "; "));
                }
                if let Some((pair, h, i)) = duplicate {
                    let header = &mut headers[h.index(n)];
                    header.insert(i.index(header.len() + 1), (pair, "; "));
                }
            }
            headers
        })
}

pub(crate) fn request() -> impl Strategy<Value = Request> {
    (
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.8),
        authorization(),
        cookie_headers(),
    )
        .prop_map(
            |(post, with_publishable_key, authorization, cookies)| Request {
                post,
                with_publishable_key,
                authorization,
                cookies,
            },
        )
}
