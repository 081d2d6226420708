//! The C bindings of world `authentication` (`wacc bindgen c wit --world
//! authentication`) seen from Rust: the same #[repr(C)] layouts as the
//! generated authentication.h, the imported function, and the C helpers
//! that allocate with the component's malloc (what post-return frees).
#![allow(non_camel_case_types, dead_code)]

#[repr(C)]
pub struct string_t {
    pub ptr: *mut u8,
    pub len: usize,
}

#[repr(C)]
pub struct list_string_t {
    pub ptr: *mut string_t,
    pub len: usize,
}

/// codesec_auth_directory_entry_t
#[repr(C)]
pub struct entry_t {
    pub username: string_t,
    pub roles: list_string_t,
}

/// exports_codesec_auth_provider_user_t
#[repr(C)]
pub struct user_t {
    pub id: string_t,
    pub username: string_t,
    pub roles: list_string_t,
}

extern "C" {
    pub fn codesec_auth_directory_lookup(id: *mut string_t, ret: *mut entry_t) -> bool;
    pub fn authentication_string_dup_n(ret: *mut string_t, s: *const u8, len: usize);
    pub fn authentication_string_free(s: *mut string_t);
    pub fn codesec_auth_directory_entry_free(e: *mut entry_t);
}

impl string_t {
    pub fn empty() -> string_t {
        string_t { ptr: core::ptr::null_mut(), len: 0 }
    }
    /// A copy in memory the bindings own (freed by post-return or *_free).
    pub fn from(s: &str) -> string_t {
        let mut r = string_t::empty();
        unsafe { authentication_string_dup_n(&mut r, s.as_ptr(), s.len()) };
        r
    }
    pub fn as_bytes(&self) -> &[u8] {
        if self.len == 0 {
            &[]
        } else {
            unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}
