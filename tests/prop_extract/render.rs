//! Rendering generated requests to bytes, with a fixture of signed tokens.

use super::*;

pub(crate) struct Fixture {
    pub(crate) _mock: MockClerk,
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) known: Vec<String>,
    pub(crate) suffix: String,
    /// The Frontend API host of the publishable key (the `iss` of its tokens, unprefixed).
    pub(crate) frontend_api: String,
    /// With the publishable key, without.
    pub(crate) clerks: (Clerk, Clerk),
}

pub(crate) fn fixture() -> Fixture {
    let (rt, mock) = runtime_and_mock();
    let at = UNIX_EPOCH + Duration::from_secs(T0 as u64);
    let known = USERS
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let builder = mock.token().at(at).user(user);
            match i {
                EXPIRED => builder
                    .claim("exp", T0 - 200)
                    .claim("iat", T0 - 260)
                    .claim("nbf", T0 - 265),
                OLDER => builder.claim("iat", T0 - 100).claim("nbf", T0 - 105),
                FOREIGN => builder.issuer("https://clerk.other.example"),
                NO_ISS => builder.without_claim("iss"),
                _ => builder,
            }
            .sign()
        })
        .collect();
    let pk = mock.publishable_key();
    let parsed = PublishableKey::parse(&pk).unwrap();
    let suffix = parsed.cookie_suffix();
    let frontend_api = parsed.frontend_api().to_owned();
    assert_eq!(mock.issuer(), format!("https://{frontend_api}"));
    let builder = || Clerk::builder().without_env().jwt_key(mock.jwt_key_pem());
    let clerks = (
        builder()
            .publishable_key(pk.clone())
            .build()
            .unwrap()
            .with_fixed_time(at),
        builder().build().unwrap().with_fixed_time(at),
    );
    Fixture {
        _mock: mock,
        rt,
        known,
        suffix,
        frontend_api,
        clerks,
    }
}

pub(crate) fn tok_bytes(fx: &Fixture, t: &Tok) -> Vec<u8> {
    match t {
        Tok::Known(i) => fx.known[*i].clone().into_bytes(),
        Tok::Prefixed(i) => format!("x{}", fx.known[*i]).into_bytes(),
        Tok::Truncated(i) => {
            let k = &fx.known[*i];
            k.as_bytes()[..k.len() - 4].to_vec()
        }
        Tok::FourParts(i) => format!("{}.eyJ9", fx.known[*i]).into_bytes(),
        Tok::Garbage(s) => s.clone().into_bytes(),
        Tok::ObsText(b) => b.clone(),
        Tok::Empty => Vec::new(),
    }
}

pub(crate) fn authorization_bytes(fx: &Fixture, a: &Authorization) -> Option<Vec<u8>> {
    match a {
        Authorization::Absent => None,
        Authorization::Structured {
            scheme,
            separator,
            token,
            extra,
        } => {
            let mut v = format!("{scheme}{separator}").into_bytes();
            v.extend(tok_bytes(fx, token));
            v.extend_from_slice(extra);
            Some(v)
        }
        Authorization::Bytes(b) => Some(b.clone()),
    }
}

pub(crate) fn name_bytes(fx: &Fixture, n: Name) -> Vec<u8> {
    match n {
        Name::Session => b"__session".to_vec(),
        Name::SessionSuffixed => format!("__session_{}", fx.suffix).into_bytes(),
        Name::ClientUat => b"__client_uat".to_vec(),
        Name::ClientUatSuffixed => format!("__client_uat_{}", fx.suffix).into_bytes(),
        Name::Other(s) => s.as_bytes().to_vec(),
    }
}

pub(crate) fn cookie_header_bytes(fx: &Fixture, items: &[(Item, &'static str)]) -> Vec<u8> {
    let mut v = Vec::new();
    for (item, separator) in items {
        match item {
            Item::Pair {
                name,
                value,
                quoted,
                space,
            } => {
                v.extend_from_slice(space[0]);
                v.extend(name_bytes(fx, *name));
                v.extend_from_slice(space[1]);
                v.push(b'=');
                v.extend_from_slice(space[2]);
                let value = match value {
                    Val::Token(t) => tok_bytes(fx, t),
                    Val::Uat(u) => u.clone().into_bytes(),
                };
                if *quoted {
                    v.push(b'"');
                    v.extend(value);
                    v.push(b'"');
                } else {
                    v.extend(value);
                }
                v.extend_from_slice(space[3]);
            }
            Item::Junk(s) => v.extend_from_slice(s.as_bytes()),
            Item::OtherObs(obs) => {
                v.extend_from_slice(b"theme=caf");
                v.extend_from_slice(obs);
            }
        }
        v.extend_from_slice(separator.as_bytes());
    }
    v
}

/// A header value from bytes: bytes `HeaderValue` refuses (controls) do not occur, except
/// that an unquoted value may end up with a leading or trailing tab or space, which it
/// accepts.
pub(crate) fn header_value(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(bytes).expect("generated header bytes are valid")
}
