//! HS256 JSON Web Tokens without crates: base64url, SHA-256, HMAC-SHA-256
//! and the few JSON fields a token carries.

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7].wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [t1.wrapping_add(t2), v[0], v[1], v[2], v[3].wrapping_add(t1), v[4], v[5], v[6]];
        }
        for i in 0..8 {
            h[i] = h[i].wrapping_add(v[i]);
        }
    }
    let mut out = [0u8; 32];
    for i in 0..8 {
        out[4 * i..4 * i + 4].copy_from_slice(&h[i].to_be_bytes());
    }
    out
}

pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha256(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(msg);
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha256(&inner));
    sha256(&outer)
}

/// base64url without padding (RFC 7515); None for any other character.
pub fn b64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a') as u32 + 26),
            b'0'..=b'9' => Some((c - b'0') as u32 + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | val(c)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            2 => out.push((acc >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}

/// A JSON value of a flat object: strings and integers are all a token needs.
#[derive(Debug, PartialEq)]
pub enum Json {
    Str(String),
    Num(i64),
    Other,
}

/// The members of a flat JSON object; None if it is not one.
pub fn json_object(s: &str) -> Option<Vec<(String, Json)>> {
    let b = s.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] as char).is_ascii_whitespace() {
            *i += 1;
        }
    };
    fn string(b: &[u8], i: &mut usize) -> Option<String> {
        if *i >= b.len() || b[*i] != b'"' {
            return None;
        }
        *i += 1;
        let mut out = String::new();
        while *i < b.len() && b[*i] != b'"' {
            if b[*i] == b'\\' {
                *i += 1;
                let c = *b.get(*i)?;
                out.push(match c {
                    b'n' => '\n',
                    b't' => '\t',
                    b'"' | b'\\' | b'/' => c as char,
                    _ => return None,
                });
            } else {
                let start = *i;
                while *i < b.len() && b[*i] != b'"' && b[*i] != b'\\' {
                    *i += 1;
                }
                out.push_str(core::str::from_utf8(&b[start..*i]).ok()?);
                continue;
            }
            *i += 1;
        }
        if *i >= b.len() {
            return None;
        }
        *i += 1;
        Some(out)
    }
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut members = Vec::new();
    ws(&mut i);
    if b.get(i) == Some(&b'}') {
        return Some(members);
    }
    loop {
        ws(&mut i);
        let key = string(b, &mut i)?;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ws(&mut i);
        let value = match b.get(i)? {
            b'"' => Json::Str(string(b, &mut i)?),
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < b.len() && (b[i] as char).is_ascii_digit() {
                    i += 1;
                }
                Json::Num(core::str::from_utf8(&b[start..i]).ok()?.parse().ok()?)
            }
            _ => {
                // true/false/null: skip the word (nested values are not supported)
                let start = i;
                while i < b.len() && (b[i] as char).is_ascii_alphabetic() {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                Json::Other
            }
        };
        members.push((key, value));
        ws(&mut i);
        match b.get(i)? {
            b',' => i += 1,
            b'}' => return Some(members),
            _ => return None,
        }
    }
}

pub struct Claims {
    pub sub: String,
    pub exp: i64,
}

/// Checks an HS256 token's form and signature and returns its claims.
pub fn verify(token: &str, secret: &[u8]) -> Result<Claims, String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("malformed token: expected header.payload.signature".into());
    }
    let header = b64url_decode(parts[0].as_bytes()).ok_or("malformed token: header is not base64url")?;
    let payload = b64url_decode(parts[1].as_bytes()).ok_or("malformed token: payload is not base64url")?;
    let sig = b64url_decode(parts[2].as_bytes()).ok_or("malformed token: signature is not base64url")?;
    let header = String::from_utf8(header).map_err(|_| "malformed token: header is not UTF-8")?;
    let h = json_object(&header).ok_or("malformed token: header is not a JSON object")?;
    if !h.iter().any(|(k, v)| k == "alg" && *v == Json::Str("HS256".into())) {
        return Err("unsupported token: alg must be HS256".into());
    }
    let signed = &token.as_bytes()[..parts[0].len() + 1 + parts[1].len()];
    let mac = hmac_sha256(secret, signed);
    // constant time: look at every byte
    let mut diff = (sig.len() != mac.len()) as u8;
    for (i, m) in mac.iter().enumerate() {
        diff |= m ^ sig.get(i).copied().unwrap_or(0);
    }
    if diff != 0 {
        return Err("invalid signature".into());
    }
    let payload = String::from_utf8(payload).map_err(|_| "malformed token: payload is not UTF-8")?;
    let p = json_object(&payload).ok_or("malformed token: payload is not a JSON object")?;
    let mut sub = None;
    let mut exp = None;
    for (k, v) in p {
        match (k.as_str(), v) {
            ("sub", Json::Str(s)) => sub = Some(s),
            ("exp", Json::Num(n)) => exp = Some(n),
            _ => {}
        }
    }
    Ok(Claims {
        sub: sub.ok_or("malformed token: no sub claim")?,
        exp: exp.ok_or("malformed token: no exp claim")?,
    })
}
