//! RSA public keys, parsed once and shared by every verification.
//!
//! A key comes from a PEM (`CLERK_JWT_KEY`, networkless) or from a JWKS entry. Both are
//! tagged `RS256`, as Clerk's keys are: a token signed with RS384 or RS512 is refused with
//! `token-verification-failed`, exactly as WebCrypto refuses in `@clerk/backend`.

use std::fmt;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};

/// Smallest and largest accepted modulus, in bytes (2048 and 8192 bits).
const MIN_MODULUS_BYTES: usize = 256;
const MAX_MODULUS_BYTES: usize = 1024;

/// A public key ready to check RS256 signatures.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    key: Option<ParsedPublicKey>,
    /// What the key was made from (the DER, or the JWK's modulus and exponent), to tell
    /// an unchanged key in a refreshed JWKS from a new one.
    material: Box<[u8]>,
}

/// Why a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not base64 (with or without PEM armour).
    #[error("the key is not valid PEM or base64")]
    NotBase64,
    /// The DER inside is not an RSA public key (SPKI or PKCS#1).
    #[error("the key is not an RSA public key (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`)")]
    NotRsa,
    /// The modulus is outside 2048 to 8192 bits.
    #[error("the RSA key is {0} bits; 2048 to 8192 bits are supported")]
    UnsupportedSize(usize),
}

impl VerifyingKey {
    /// Parses a PEM public key: SPKI (`-----BEGIN PUBLIC KEY-----`), PKCS#1
    /// (`-----BEGIN RSA PUBLIC KEY-----`), or the bare base64 body on one line, with LF or
    /// CRLF line breaks.
    pub(crate) fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_to_der(pem)?;
        Self::from_der(&der)
    }

    /// A key that never verifies anything: what a garbage `jwtKey` amounts to in
    /// `@clerk/backend` (every token then fails with `token-invalid-signature`).
    pub(crate) fn unusable() -> Self {
        Self {
            key: None,
            material: Box::default(),
        }
    }

    pub(crate) fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let public = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|_| KeyError::NotRsa)?;
        check_size(public.modulus_len())?;
        let key =
            ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).map_err(|_| KeyError::NotRsa)?;
        Ok(Self {
            key: Some(key),
            material: der.into(),
        })
    }

    /// From the big-endian modulus and exponent of a JWK.
    pub(crate) fn from_components(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        check_size(n.len())?;
        if e.is_empty() || e.len() > 8 {
            return Err(KeyError::NotRsa);
        }
        let key = aws_lc_rs::rsa::PublicKeyComponents { n, e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(|_| KeyError::NotRsa)?;
        // The exponent is at most 8 bytes: its length first keeps the split unambiguous.
        let mut material = Vec::with_capacity(1 + e.len() + n.len());
        material.push(e.len() as u8);
        material.extend_from_slice(e);
        material.extend_from_slice(n);
        Ok(Self {
            key: Some(key),
            material: material.into(),
        })
    }

    /// Whether `other` was made from the same material the same way (then it verifies
    /// exactly what this key verifies). A usable key is never the same as an unusable one.
    pub(crate) fn same_material(&self, other: &Self) -> bool {
        self.key.is_some() == other.key.is_some() && self.material == other.material
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.key {
            Some(key) => key.verify_sig(message, signature).is_ok(),
            None => false,
        }
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.key.is_some() {
            "VerifyingKey(RSA)"
        } else {
            "VerifyingKey(unusable)"
        })
    }
}

fn check_size(modulus_bytes: usize) -> Result<(), KeyError> {
    if (MIN_MODULUS_BYTES..=MAX_MODULUS_BYTES).contains(&modulus_bytes) {
        Ok(())
    } else {
        Err(KeyError::UnsupportedSize(modulus_bytes * 8))
    }
}

fn strip_leading_zeros(mut bytes: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// The base64 body of a PEM: line breaks removed first, then the armour
/// (`-----BEGIN …-----`, `-----END …-----`) wherever it stands, as `@clerk/backend` does, so
/// a PEM flattened to one line works too.
fn pem_to_der(pem: &str) -> Result<Vec<u8>, KeyError> {
    let mut joined = String::with_capacity(pem.len());
    for line in pem.split(['\n', '\r']) {
        joined.push_str(line.trim());
    }
    let mut body = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(start) = rest.find("-----") {
        let after = &rest[start + 5..];
        let is_armour = after.starts_with("BEGIN ") || after.starts_with("END ");
        match after.find("-----") {
            Some(end) if is_armour => {
                body.push_str(&rest[..start]);
                rest = &after[end + 5..];
            }
            _ => break,
        }
    }
    body.push_str(rest);
    if body.is_empty() {
        return Err(KeyError::NotBase64);
    }
    super::b64::decode_standard(&body).ok_or(KeyError::NotBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_rejected_with_a_reason() {
        assert_eq!(VerifyingKey::from_pem("").unwrap_err(), KeyError::NotBase64);
        assert_eq!(
            VerifyingKey::from_pem("not base64 !!").unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(
            VerifyingKey::from_pem("AAAA").unwrap_err(),
            KeyError::NotRsa
        );
        assert!(!VerifyingKey::unusable().verify_rs256(b"x", b"y"));
        // A literal backslash-n is not a line break (K03).
        assert_eq!(
            pem_to_der("-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----").unwrap_err(),
            KeyError::NotBase64
        );
    }

    #[test]
    fn armour_is_removed_wherever_it_stands() {
        let expected = vec![0u8, 0, 0, 0, 0, 0];
        for pem in [
            "-----BEGIN PUBLIC KEY-----\nAAAA\nAAAA\n-----END PUBLIC KEY-----\n",
            "-----BEGIN PUBLIC KEY-----AAAAAAAA-----END PUBLIC KEY-----",
            "-----BEGIN RSA PUBLIC KEY-----\r\nAAAA\r\nAAAA-----END RSA PUBLIC KEY-----",
            "  AAAA\n  AAAA  \n",
        ] {
            assert_eq!(pem_to_der(pem).unwrap(), expected, "{pem:?}");
        }
    }

    /// A key pair, its public key as a `VerifyingKey` (from the JWK components), and a
    /// signature of `message`.
    fn signed(message: &[u8]) -> (aws_lc_rs::rsa::KeyPair, VerifyingKey, Vec<u8>) {
        use aws_lc_rs::signature::KeyPair as _;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let components = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let key = VerifyingKey::from_components(&components.n, &components.e).unwrap();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message,
            &mut signature,
        )
        .unwrap();
        (pair, key, signature)
    }

    /// The verified-token cache treats the signature bytes as canonical: no other byte
    /// string verifies for the same message (not `s + n`, not `s` with a leading zero
    /// added or removed).
    #[test]
    fn only_one_byte_string_verifies_per_signature() {
        use aws_lc_rs::signature::KeyPair as _;
        let message = b"header.payload";
        let (pair, key, signature) = signed(message);
        assert!(key.verify_rs256(message, &signature));

        let n = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public_key()).n;
        let n = strip_leading_zeros(&n);
        assert_eq!(n.len(), signature.len());
        // s + n, big-endian, with the carry as an extra leading byte when there is one.
        let mut sum = vec![0u8; signature.len()];
        let mut carry = 0u16;
        for i in (0..signature.len()).rev() {
            let v = u16::from(signature[i]) + u16::from(n[i]) + carry;
            sum[i] = v as u8;
            carry = v >> 8;
        }
        if carry > 0 {
            sum.insert(0, carry as u8);
        }
        assert!(!key.verify_rs256(message, &sum), "s + n");

        let mut longer = vec![0];
        longer.extend_from_slice(&signature);
        assert!(!key.verify_rs256(message, &longer), "a leading zero added");
        // (Removing the first byte: a leading zero when there is one.)
        assert!(!key.verify_rs256(message, &signature[1..]), "a byte short");
    }

    #[test]
    fn material_tells_unchanged_keys_from_new_ones() {
        use aws_lc_rs::signature::KeyPair as _;
        let (pair, key, _) = signed(b"m");
        let components = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        // The same JWK again (also with a leading zero on the modulus): the same material.
        let again = VerifyingKey::from_components(&components.n, &components.e).unwrap();
        assert!(key.same_material(&again));
        let mut padded_n = vec![0];
        padded_n.extend_from_slice(&components.n);
        let padded = VerifyingKey::from_components(&padded_n, &components.e).unwrap();
        assert!(key.same_material(&padded));

        let (_, other, _) = signed(b"m");
        assert!(!key.same_material(&other));
        assert!(!key.same_material(&VerifyingKey::unusable()));
    }
}
