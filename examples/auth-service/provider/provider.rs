//! The auth-service provider: exports codesec:auth/provider (HS256 JWT
//! validation), imports codesec:auth/directory for the user behind `sub`.
//! Built as a wasm32-wasi cdylib linked with the C bindings of world
//! `authentication` (`wacc bindgen c`), see bindings.rs.
mod bindings;
mod jwt;

use bindings::*;
use std::time::{SystemTime, UNIX_EPOCH};

/// The demo signing key (a real service reads it from its configuration).
const SECRET: &[u8] = b"wacc-auth-demo-secret";

fn validate(token: &str) -> Result<(String, String, Vec<String>), String> {
    let claims = jwt::verify(token, SECRET)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    if claims.exp <= now {
        return Err("token expired".into());
    }
    let mut id = string_t::from(&claims.sub);
    let mut entry = entry_t {
        username: string_t::empty(),
        roles: list_string_t { ptr: core::ptr::null_mut(), len: 0 },
    };
    let found = unsafe { codesec_auth_directory_lookup(&mut id, &mut entry) };
    unsafe { authentication_string_free(&mut id) };
    if !found {
        return Err(format!("unknown user '{}'", claims.sub));
    }
    let username = String::from_utf8_lossy(entry.username.as_bytes()).into_owned();
    let mut roles = Vec::new();
    for i in 0..entry.roles.len {
        let r = unsafe { &*entry.roles.ptr.add(i) };
        roles.push(String::from_utf8_lossy(r.as_bytes()).into_owned());
    }
    unsafe { codesec_auth_directory_entry_free(&mut entry) };
    Ok((claims.sub, username, roles))
}

#[no_mangle]
pub extern "C" fn exports_codesec_auth_provider_validate_token(
    token: *mut string_t,
    ret: *mut user_t,
    err: *mut string_t,
) -> bool {
    let t = unsafe { String::from_utf8_lossy((*token).as_bytes()).into_owned() };
    unsafe { authentication_string_free(token) };
    match validate(&t) {
        Ok((id, username, roles)) => {
            let list = if roles.is_empty() {
                core::ptr::null_mut()
            } else {
                // malloc'd like everything post-return frees
                let p = unsafe { malloc(roles.len() * core::mem::size_of::<string_t>()) } as *mut string_t;
                for (i, r) in roles.iter().enumerate() {
                    unsafe { p.add(i).write(string_t::from(r)) };
                }
                p
            };
            unsafe {
                ret.write(user_t {
                    id: string_t::from(&id),
                    username: string_t::from(&username),
                    roles: list_string_t { ptr: list, len: roles.len() },
                })
            };
            true
        }
        Err(e) => {
            unsafe { err.write(string_t::from(&e)) };
            false
        }
    }
}

extern "C" {
    fn malloc(n: usize) -> *mut u8;
}
