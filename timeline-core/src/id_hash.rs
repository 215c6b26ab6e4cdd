//! The hash deterministic ids are derived from (see [`event_id`](crate::event_id)
//! for its parts), apart from the events it hashes.

use crate::AccountId;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::id_text::IdText;
use crate::kind::EventKind;
use crate::target::Target;

/// The version prefix of deterministic ids; a new derivation gets a new prefix.
const PREFIX: &str = "tl2-";

/// The prefix of deterministic ids that include the account.
const ACCOUNT_PREFIX: &str = "tl3-";

/// The lower-case hex digits an id is written with.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Hashes the parts of an event that its deterministic id is derived from.
pub(crate) struct IdHasher {
    head: Sha256,
    /// Token names and texts, one after the other.
    token_text: Vec<u8>,
    /// Each token's name and text, as ranges of `token_text`.
    tokens: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    /// The account the event is sent for, when known.
    account: Option<AccountId>,
}

impl IdHasher {
    /// Starts a hash with the parts known before the tokens.
    pub(crate) fn new(
        kind: EventKind,
        event_type: &str,
        target: &Target<'_>,
        timestamp: Option<DateTime<Utc>>,
        account: Option<AccountId>,
    ) -> Self {
        let mut head = Sha256::new();
        let app_event = kind == EventKind::AppEvent;
        if app_event {
            part(&mut head, EventKind::AppEvent.as_str().as_bytes());
        }
        part(&mut head, event_type.as_bytes());
        for field in
            [&target.object_id.as_deref(), &target.email.as_deref(), &target.utk.as_deref(), &target.domain.as_deref()]
        {
            optional(&mut head, field.map(str::as_bytes));
        }
        if app_event {
            optional(&mut head, target.object_type.as_deref().map(str::as_bytes));
        }
        optional(&mut head, timestamp.map(|t| t.timestamp_millis().to_be_bytes()).as_ref().map(|b| &b[..]));
        IdHasher { head, token_text: Vec::new(), tokens: Vec::new(), account }
    }

    /// Makes the id the account `account`'s.
    pub(crate) fn for_account(&mut self, account: AccountId) {
        self.account = Some(account);
    }

    /// Adds one token.
    pub(crate) fn token(&mut self, name: &str, value: &str) {
        let name_start = self.token_text.len();
        self.token_text.extend_from_slice(name.as_bytes());
        let value_start = self.token_text.len();
        self.token_text.extend_from_slice(value.as_bytes());
        self.tokens.push((name_start..value_start, value_start..self.token_text.len()));
    }

    /// The finished id, given the event's `extraData` and `timelineIFrame`.
    pub(crate) fn finish(mut self, extra_data: Option<&Value>, iframe: Option<&Value>) -> IdText<'static> {
        let text = &self.token_text;
        self.tokens.sort_unstable_by(|(left, _), (right, _)| text[left.clone()].cmp(&text[right.clone()]));
        self.head.update((self.tokens.len() as u64).to_be_bytes());
        for (name, value) in &self.tokens {
            part(&mut self.head, &text[name.clone()]);
            part(&mut self.head, &text[value.clone()]);
        }
        let mut json = Vec::new();
        for value in [extra_data, iframe] {
            match value {
                Some(value) => {
                    json.clear();
                    write_canonical(value, &mut json);
                    optional(&mut self.head, Some(&json));
                }
                None => optional(&mut self.head, None),
            }
        }
        let id = hex_id(PREFIX, self.head);
        match self.account {
            Some(account) => account_id(account, id.as_str()),
            None => id,
        }
    }
}

/// The deterministic id of the account `account`'s event whose derived id,
/// without the account, is `derived`.
pub(crate) fn account_id(account: AccountId, derived: &str) -> IdText<'static> {
    let mut head = Sha256::new();
    part(&mut head, &account.get().to_be_bytes());
    part(&mut head, derived.as_bytes());
    hex_id(ACCOUNT_PREFIX, head)
}

/// `prefix` and the first 128 bits of the hash, in lower-case hex.
fn hex_id(prefix: &str, hash: Sha256) -> IdText<'static> {
    let digest = hash.finalize();
    let mut id = [0; 4 + 32];
    id[..prefix.len()].copy_from_slice(prefix.as_bytes());
    for (pair, byte) in id[prefix.len()..].chunks_exact_mut(2).zip(&digest[..16]) {
        pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
        pair[1] = HEX_DIGITS[usize::from(byte & 0xf)];
    }
    IdText::inline(std::str::from_utf8(&id).expect("the prefix and hex digits are ASCII"))
}

fn part(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

fn optional(hasher: &mut Sha256, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => {
            hasher.update([1]);
            part(hasher, bytes);
        }
        None => hasher.update([0]),
    }
}

/// `value` as compact JSON with the keys of every object sorted, whatever
/// order the map keeps them in.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_unstable_by_key(|(key, _)| *key);
            out.push(b'{');
            for (position, (key, value)) in entries.into_iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("a string always serializes");
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("a JSON scalar always serializes"),
    }
}
