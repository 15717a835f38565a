//! Differential check against a model of the spec: random signed headers and claims.

use super::*;

/// Raw JSON texts a header field or claim may take (`None`: absent). The first entry is
/// the well-formed value and is drawn more often, so many tokens reach the later steps.
struct Field {
    name: &'static str,
    values: &'static [Option<&'static str>],
}

const HEADER_FIELDS: &[Field] = &[
    Field {
        name: "alg",
        values: &[
            Some(r#""RS256""#),
            None,
            Some(r#""RS384""#),
            Some(r#""none""#),
            Some(r#""HS256""#),
            Some(r#""rs256""#),
        ],
    },
    Field {
        name: "typ",
        values: &[Some(r#""JWT""#), None, Some(r#""jwt""#), Some("null")],
    },
    Field {
        name: "cat",
        values: &[
            Some(r#""cl_B7d4PD111AAA""#),
            None,
            Some(r#""cl_I7d4PD111III""#),
            Some(r#""cl_B7d4PD222AAA""#),
            Some(r#""cl_B7d4PD333AAA""#),
        ],
    },
    Field {
        name: "crit",
        values: &[None, Some(r#"["exp"]"#)],
    },
    Field {
        name: "kid",
        values: &[Some(r#""ins_whatever""#), None],
    },
];

const CLAIMS: &[Field] = &[
    Field {
        name: "sub",
        values: &[
            Some(r#""user_1""#),
            None,
            Some(r#""""#),
            Some("null"),
            Some("5"),
            Some(r#""mch_1""#),
        ],
    },
    Field {
        name: "aud",
        values: &[
            None,
            Some(r#""api://one""#),
            Some(r#""api://two""#),
            Some(r#""""#),
            Some(r#"["x","api://one"]"#),
            Some(r#"["x"]"#),
            Some("[]"),
        ],
    },
    Field {
        name: "azp",
        values: &[
            Some(r#""https://app.example""#),
            None,
            Some(r#""""#),
            Some(r#""https://app.example/""#),
            Some(r#"["https://app.example"]"#),
        ],
    },
    Field {
        name: "iss",
        values: &[
            Some(r#""https://iss.example""#),
            None,
            Some(r#""https://evil.example""#),
        ],
    },
    Field {
        name: "exp",
        values: &[
            Some("1700000060"),
            Some("1699999940"),
            Some("1699999995"),
            Some("1700000000"),
            Some("1699999995.9"),
            Some(r#""x""#),
            Some("null"),
            None,
            Some("8640000000001"),
            Some("1e400"),
        ],
    },
    Field {
        name: "nbf",
        values: &[
            None,
            Some("1699999995"),
            Some("1700000005"),
            Some("1700000001.5"),
            Some("1700000100"),
            Some(r#""x""#),
            Some("null"),
            Some("-8640000000001"),
            Some("-1e400"),
        ],
    },
    Field {
        name: "iat",
        values: &[
            None,
            Some("1700000000"),
            Some("1700000005"),
            Some("1700000100"),
            Some("true"),
            Some("null"),
            Some("1e400"),
        ],
    },
];

/// Draws a value: the first one half of the time, otherwise any.
fn draw(rng: &mut Lcg, field: &Field) -> Option<&'static str> {
    if rng.below(2) == 0 {
        field.values[0]
    } else {
        *rng.pick(field.values)
    }
}

fn object_text(members: &[(&str, &str)]) -> String {
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    format!("{{{}}}", inner.join(","))
}

enum Time {
    Absent,
    NotANumber,
    OutOfRange,
    Ms(i128),
}

fn time_claim(raw: Option<&str>) -> Time {
    let Some(raw) = raw else { return Time::Absent };
    if raw.contains("e400") {
        return Time::OutOfRange; // ±Infinity in JavaScript
    }
    match serde_json::from_str::<Value>(raw).unwrap() {
        Value::Number(n) => {
            let secs = n.as_f64().unwrap().trunc();
            if secs.abs() > 8.64e12 {
                Time::OutOfRange
            } else {
                Time::Ms(secs as i128 * 1000)
            }
        }
        _ => Time::NotANumber,
    }
}

struct Model {
    audience: bool,
    parties: bool,
    issuer: bool,
    skew_ms: i128,
    forged: bool,
}

/// The outcomes the spec allows (§2.1 steps in order, with the §10 deviations), as reason
/// codes or "ok". Two codes are allowed only where the spec leaves the order open: a
/// non-session `cat` or a `crit` header (§10, both `token-invalid`) next to a bad `alg`.
fn model(header: &[(&str, &str)], claims: &[(&str, &str)], m: &Model) -> Vec<&'static str> {
    let h = |name: &str| header.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let c = |name: &str| claims.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let json = |raw: Option<&str>| raw.map(|r| serde_json::from_str::<Value>(r).unwrap());

    // Step 2: M2M category.
    if h("cat") == Some(r#""cl_B7d4PD333AAA""#) {
        return vec!["token-invalid"];
    }
    // Step 4: typ.
    if !matches!(h("typ"), None | Some(r#""JWT""#)) {
        return vec!["token-invalid"];
    }
    // Step 5: alg; §10: non-session cat and crit.
    let alg = h("alg");
    let alg_ok = matches!(alg, Some(r#""RS256""# | r#""RS384""# | r#""RS512""#));
    let deviation = !matches!(
        h("cat"),
        None | Some(r#""cl_B7d4PD111AAA""# | r#""cl_I7d4PD111III""#)
    ) || h("crit").is_some();
    match (alg_ok, deviation) {
        (false, true) => return vec!["token-invalid-algorithm", "token-invalid"],
        (false, false) => return vec!["token-invalid-algorithm"],
        (true, true) => return vec!["token-invalid"],
        (true, false) => {}
    }
    // Step 6: the RS256-only key refuses SHA-384/512.
    if alg != Some(r#""RS256""#) {
        return vec!["token-verification-failed"];
    }
    // Step 7: signature.
    if m.forged {
        return vec!["token-invalid-signature"];
    }
    // Step 8: sub, a non-empty string without the machine prefix (§10).
    match json(c("sub")) {
        Some(Value::String(s)) if !s.is_empty() && !s.starts_with("mch_") => {}
        _ => return vec!["token-verification-failed"],
    }
    // Step 9: aud, only when the option and a truthy claim are both present.
    if m.audience {
        let ok = match json(c("aud")) {
            Some(Value::String(a)) if !a.is_empty() => a == "api://one",
            Some(Value::Array(items)) if items.iter().any(|a| a != "") => {
                items.iter().any(|a| a == "api://one")
            }
            _ => true,
        };
        if !ok {
            return vec!["token-verification-failed"];
        }
    }
    // Step 10: azp.
    if m.parties && json(c("azp")) != Some(json!("https://app.example")) {
        return vec!["token-invalid-authorized-parties"];
    }
    // Step 11: iss.
    if m.issuer && json(c("iss")) != Some(json!("https://iss.example")) {
        return vec!["token-invalid-issuer"];
    }
    // Steps 12–14: exp (required), nbf, iat.
    let now = T0 as i128 * 1000;
    match time_claim(c("exp")) {
        Time::Ms(exp) if exp <= now - m.skew_ms => return vec!["token-expired"],
        Time::Ms(_) => {}
        _ => return vec!["token-verification-failed"],
    }
    for (name, code) in [
        ("nbf", "token-not-active-yet"),
        ("iat", "token-iat-in-the-future"),
    ] {
        match time_claim(c(name)) {
            Time::Absent => {}
            Time::Ms(t) if t > now + m.skew_ms => return vec![code],
            Time::Ms(_) => {}
            Time::NotANumber | Time::OutOfRange => return vec!["token-verification-failed"],
        }
    }
    vec!["ok"]
}

#[tokio::test]
async fn random_signed_tokens_decide_as_the_spec_model_says() {
    let mock = shared_mock();
    let key = mock.current_key();
    let other = other_key();
    let mut rng = Lcg(20_250_512);
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for case in 0..400 {
        let header: Vec<(&str, &str)> = HEADER_FIELDS
            .iter()
            .filter_map(|f| draw(&mut rng, f).map(|v| (f.name, v)))
            .collect();
        let claims: Vec<(&str, &str)> = CLAIMS
            .iter()
            .filter_map(|f| draw(&mut rng, f).map(|v| (f.name, v)))
            .collect();
        let (skew, skew_ms) = *rng.pick(&[
            (None, 5_000),
            (Some(Duration::ZERO), 0),
            (Some(Duration::from_millis(1_500)), 1_500),
        ]);
        let m = Model {
            audience: rng.below(2) == 0,
            parties: rng.below(2) == 0,
            issuer: rng.below(2) == 0,
            skew_ms,
            forged: rng.below(10) == 0,
        };
        let signer: &MockKey = if m.forged { &other } else { &key };
        let t = TokenBuilder::sign_raw(
            signer,
            object_text(&header).as_bytes(),
            object_text(&claims).as_bytes(),
            "RS256",
        );
        let options = VerifyTokenOptions {
            jwt_key: Some(mock.jwt_key_pem()),
            audience: if m.audience {
                vec!["api://one".into()]
            } else {
                vec![]
            },
            authorized_parties: if m.parties {
                vec!["https://app.example".into()]
            } else {
                vec![]
            },
            issuer: m.issuer.then(|| "https://iss.example".to_owned()),
            clock_skew: skew,
            now: Some(t0()),
            ..Default::default()
        };
        let got = match verify_token(&t, &options).await {
            Ok(_) => "ok",
            Err(err) => err.reason(),
        };
        let want = model(&header, &claims, &m);
        assert!(
            want.contains(&got),
            "case {case}: got {got}, spec says {want:?}\nheader {}\nclaims {}\nskew {skew_ms} ms, audience {}, parties {}, issuer {}, forged {}",
            object_text(&header),
            object_text(&claims),
            m.audience,
            m.parties,
            m.issuer,
            m.forged,
        );
        *outcomes.entry(got).or_default() += 1;
    }
    // The draw reaches every step.
    for code in [
        "ok",
        "token-invalid",
        "token-invalid-algorithm",
        "token-verification-failed",
        "token-invalid-signature",
        "token-invalid-authorized-parties",
        "token-invalid-issuer",
        "token-expired",
        "token-not-active-yet",
        "token-iat-in-the-future",
    ] {
        assert!(
            outcomes.contains_key(code),
            "{code} never drawn: {outcomes:?}"
        );
    }
}
