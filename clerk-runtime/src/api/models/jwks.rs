//! The instance's JSON Web Key Set, from GET `/jwks`.

use serde::{Deserialize, Serialize};

/// The JSON Web Key Set (spec: `JWKS`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    #[serde(default)]
    pub keys: Vec<JwksKey>,
}

/// One JSON Web Key (spec: the `JWKS.*` key schemas, flattened).
///
/// The spec's `oneOf` of key shapes is ambiguous (README quirk 6), so, like Clerk's
/// generated SDKs, this is one struct with every field optional. `y` (EC keys) is
/// kept too; private-key members are ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JwksKey {
    /// Intended use, e.g. `sig`.
    #[serde(default)]
    pub r#use: Option<String>,
    /// Key type: `RSA`, `EC`, `OKP` or `oct`.
    #[serde(default)]
    pub kty: Option<String>,
    /// Key ID, matched against a token's `kid` header.
    #[serde(default)]
    pub kid: Option<String>,
    /// Algorithm, e.g. `RS256`.
    #[serde(default)]
    pub alg: Option<String>,
    /// RSA modulus (base64url).
    #[serde(default)]
    pub n: Option<String>,
    /// RSA public exponent (base64url).
    #[serde(default)]
    pub e: Option<String>,
    /// EC or OKP x coordinate / public key (base64url).
    #[serde(default)]
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    #[serde(default)]
    pub y: Option<String>,
    /// Curve of an EC or OKP key, e.g. `P-256` or `Ed25519`.
    #[serde(default)]
    pub crv: Option<String>,
}
