//! Base64url decoding with the exact leniency of the `rfc4648` package's `loose` mode,
//! which `@clerk/backend` uses for every JWT segment.
//!
//! Trailing `=` are stripped (any number of them); every other character must be in the
//! URL-safe alphabet; a dangling 6-bit group or non-zero leftover bits fail.

const INVALID: u8 = 0xff;

const TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Decodes `input` into `out` (cleared first). Returns `false` on any invalid input.
pub(crate) fn decode_loose_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut end = input.len();
    while end > 0 && input[end - 1] == b'=' {
        end -= 1;
    }
    let data = &input[..end];
    out.reserve(data.len() * 3 / 4);
    // Whole groups of four characters first (three bytes each), then the tail bit by bit.
    let mut groups = data.chunks_exact(4);
    for group in &mut groups {
        let [a, b, c, d] = [
            TABLE[group[0] as usize],
            TABLE[group[1] as usize],
            TABLE[group[2] as usize],
            TABLE[group[3] as usize],
        ];
        // Valid values are below 64; `INVALID` has the top bits set.
        if (a | b | c | d) & 0xc0 != 0 {
            return false;
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &c in groups.remainder() {
        let v = TABLE[c as usize];
        if v == INVALID {
            return false;
        }
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    // Leftover: fewer than 6 bits, and all of them zero.
    bits < 6 && buffer == 0
}

/// Decodes into a fresh vector.
pub(crate) fn decode_loose(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    decode_loose_into(input, &mut out).then_some(out)
}

/// Standard base64 (with `+` and `/`), padding optional: used for publishable keys.
pub(crate) fn decode_standard(input: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(input).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<Vec<u8>> {
        decode_loose(s.as_bytes())
    }

    #[test]
    fn decodes_with_and_without_padding() {
        assert_eq!(d("YQ").unwrap(), b"a");
        assert_eq!(d("YQ==").unwrap(), b"a");
        assert_eq!(d("YQ=====").unwrap(), b"a");
        assert_eq!(d("YWI").unwrap(), b"ab");
        assert_eq!(d("YWJj").unwrap(), b"abc");
        assert_eq!(d("").unwrap(), b"");
    }

    #[test]
    fn rejects_standard_alphabet_whitespace_and_inner_padding() {
        assert!(d("+/+/").is_none());
        assert!(d("YW Jj").is_none());
        assert!(d(" YWJj").is_none());
        assert!(d("YQ==YQ").is_none());
    }

    #[test]
    fn rejects_dangling_group_and_nonzero_leftover_bits() {
        assert!(d("YWJjZ").is_none()); // 1 char of a group: 6 bits left over
        assert!(d("YR").is_none()); // 'R' leaves non-zero bits
        assert!(d("YWK").is_none());
    }

    #[test]
    fn grouped_decoding_agrees_with_the_base64_crate() {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        for len in 0..64usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let encoded = engine.encode(&bytes);
            assert_eq!(d(&encoded).unwrap(), bytes, "{encoded}");
            for bad in [b'+', b'/', b' ', b'=', 0x80] {
                for at in 0..encoded.len() {
                    let mut broken = encoded.clone().into_bytes();
                    broken[at] = bad;
                    let trailing_pad = bad == b'=' && broken[at..].iter().all(|&c| c == b'=');
                    if !trailing_pad {
                        assert!(decode_loose(&broken).is_none(), "{broken:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn url_safe_alphabet() {
        assert_eq!(d("-_8").unwrap(), vec![0xfb, 0xff]);
    }
}
