//! Robustness: garbage never panics and always fails with a known code.

use super::*;

fn garbage_tokens(valid: &str) -> Vec<String> {
    let mut rng = Lcg(0x00c1_e4c0_ffee);
    let mut out = Vec::new();
    // 1. Arbitrary bytes, made UTF-8 lossily.
    for _ in 0..100 {
        let len = rng.below(120);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        out.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    // 2. Characters that matter to the parser.
    let chars: Vec<char> = "AZaz09-_+/=. \n\t\r{}\"é€\u{0}\u{feff}".chars().collect();
    for _ in 0..100 {
        let len = rng.below(200);
        out.push((0..len).map(|_| *rng.pick(&chars)).collect());
    }
    // 3. Base64url segments of JSON-ish fragments, to reach the header and claim checks.
    let fragments = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"alg\"",
        "\"RS256\"",
        "\"typ\"",
        "\"JWT\"",
        "\"cat\"",
        "\"crit\"",
        "\"sub\"",
        "\"exp\"",
        "\"nbf\"",
        "\"iat\"",
        "\"azp\"",
        "\"aud\"",
        "null",
        "1e400",
        "-1e400",
        "1700000000",
        "0.5",
        "true",
        "\"\\u0000\"",
        "\"mch_x\"",
    ];
    for _ in 0..100 {
        let mut segs = Vec::new();
        for _ in 0..3 {
            let n = rng.below(12);
            let text: String = (0..n).map(|_| *rng.pick(&fragments)).collect();
            segs.push(b64url(text.as_bytes()));
        }
        if rng.below(3) == 0 {
            segs[0] = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
        }
        out.push(segs.join("."));
    }
    // 4. Mutations of a valid token: one changed character, a deletion, a truncation.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    for _ in 0..100 {
        let mut bytes = valid.as_bytes().to_vec();
        let i = rng.below(bytes.len());
        match rng.below(3) {
            0 => {
                let old = bytes[i];
                let mut c = *rng.pick(alphabet);
                while c == old {
                    c = *rng.pick(alphabet);
                }
                bytes[i] = c;
            }
            1 => {
                bytes.remove(i);
            }
            _ => bytes.truncate(i),
        }
        out.push(String::from_utf8(bytes).unwrap());
    }
    out
}

#[tokio::test]
async fn garbage_always_fails_with_a_known_reason_and_never_panics() {
    let mock = shared_mock();
    let valid = token(mock).sign();
    let tokens = garbage_tokens(&valid);
    assert!(tokens.len() >= 400);
    for options in [pem_options(mock), VerifyTokenOptions::default()] {
        for t in &tokens {
            match verify_token(t, &options).await {
                Ok(claims) => panic!("garbage {t:?} verified as {claims:?}"),
                Err(err) => assert!(
                    ALL_CODES.contains(&err.reason()),
                    "unknown reason {}",
                    err.reason()
                ),
            }
        }
    }
    // The unmutated token still verifies (the mutations were what failed).
    accept(&valid, &pem_options(mock)).await;
}
