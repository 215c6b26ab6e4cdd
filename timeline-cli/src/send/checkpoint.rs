//! The checkpoint of a `send`: how far it got, written durably after every
//! chunk of lines whose outcomes are all known, with a fingerprint of the
//! events file so that a resume never continues into a different file.
//!
//! Only the part of the events file already sent is compared on resume: a
//! file that grew (lines appended after the checkpoint) resumes, and the new
//! lines are sent; a file whose sent part was edited, replaced or truncated
//! is refused until `--restart`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::CliError;

/// How far a `send` got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The template the events are sent with.
    pub template_id: String,
    /// Lines done: each was stored, or written to the failures file.
    pub lines: u64,
    /// The byte offset in the events file where the next line starts.
    pub offset: u64,
    /// The failures file's length at this point; anything after it is from an unfinished chunk.
    pub failures_bytes: u64,
    /// Events stored so far.
    pub created: u64,
    /// Lines failed so far.
    pub failed: u64,
    /// The events file as it was when the checkpoint was written.
    pub events: Fingerprint,
}

/// What the events file looked like when a checkpoint was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fingerprint {
    /// The file's size in bytes.
    pub size: u64,
    /// The SHA-256 of the file's bytes before the checkpoint's offset, in lowercase hex.
    pub prefix_sha256: String,
}

/// A running SHA-256 of the events file's bytes, from its start to the
/// last byte read.
#[derive(Debug, Clone, Default)]
pub struct PrefixHash {
    hasher: Sha256,
    bytes: u64,
}

impl PrefixHash {
    /// Hashes the first `length` bytes of `reader` (fewer when it ends first: see [`PrefixHash::bytes`]).
    pub fn read(reader: &mut impl Read, length: u64) -> io::Result<PrefixHash> {
        let mut hash = PrefixHash::default();
        let mut buffer = vec![0; 64 * 1024];
        let mut limited = reader.take(length);
        loop {
            let read = limited.read(&mut buffer)?;
            if read == 0 {
                return Ok(hash);
            }
            hash.update(&buffer[..read]);
        }
    }

    /// Adds the bytes that follow those hashed so far.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    /// How many bytes are hashed.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The fingerprint of a file of `size` bytes whose prefix is what was hashed.
    pub fn fingerprint(&self, size: u64) -> Fingerprint {
        let digest = self.hasher.clone().finalize();
        Fingerprint { size, prefix_sha256: digest.iter().map(|byte| format!("{byte:02x}")).collect() }
    }
}

impl Checkpoint {
    /// The checkpoint of a run of template `template_id` that has not started.
    pub fn start(template_id: &str) -> Checkpoint {
        Checkpoint {
            template_id: template_id.to_owned(),
            lines: 0,
            offset: 0,
            failures_bytes: 0,
            created: 0,
            failed: 0,
            events: PrefixHash::default().fingerprint(0),
        }
    }

    /// The checkpoint at `path`, or `None` when there is none yet. A
    /// checkpoint without a fingerprint of its events file is refused.
    pub fn load(path: &Path) -> Result<Option<Checkpoint>, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(CliError::Io { path: path.to_owned(), error }),
        };
        let refused = |reason: String| CliError::Checkpoint { path: path.to_owned(), reason };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| refused(format!("unreadable ({error})")))?;
        if value.is_object() && value.get("events").is_none() {
            return Err(refused(
                "it has no fingerprint of the events file (an older format), so it cannot tell whether the file \
                 changed"
                    .to_owned(),
            ));
        }
        serde_json::from_value(value).map(Some).map_err(|error| refused(format!("unreadable ({error})")))
    }

    /// Writes the checkpoint to `path` durably: to a temporary file in the
    /// same folder, synced, renamed over `path`, then the folder synced, so
    /// that after a crash `path` holds either this checkpoint or the one before.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let mut temporary = PathBuf::from(path);
        temporary.as_mut_os_string().push(".tmp");
        let mut text = serde_json::to_vec_pretty(self).unwrap_or_default();
        text.push(b'\n');
        let mut file = File::create(&temporary).map_err(CliError::io(&temporary))?;
        file.write_all(&text).and_then(|()| file.sync_all()).map_err(CliError::io(&temporary))?;
        drop(file);
        std::fs::rename(&temporary, path).map_err(CliError::io(path))?;
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        sync_folder(folder).map_err(CliError::io(folder))
    }

    /// Reads the first [`Checkpoint::offset`] bytes of `file` (the events
    /// file at `events`, read from its start) and checks that they are the
    /// ones the checkpoint sent. On success `file` is positioned at the
    /// offset and the hash so far is returned, to be continued.
    pub fn verify(&self, events: &Path, file: &mut File) -> Result<PrefixHash, CliError> {
        let size = file.metadata().map_err(CliError::io(events))?.len();
        let changed = |change: String| CliError::EventsChanged { events: events.to_owned(), change };
        if size < self.offset {
            return Err(changed(format!(
                "it is {size} bytes long, but {} bytes (lines 1 to {}) had been sent when it was {} bytes long; \
                 it was truncated or replaced",
                self.offset, self.lines, self.events.size
            )));
        }
        let hash = PrefixHash::read(file, self.offset).map_err(CliError::io(events))?;
        if hash.bytes() != self.offset || hash.fingerprint(size).prefix_sha256 != self.events.prefix_sha256 {
            return Err(changed(format!(
                "its first {} bytes (lines 1 to {}, already sent) are not what they were; it was edited or replaced",
                self.offset, self.lines
            )));
        }
        Ok(hash)
    }
}

/// Makes a rename in `folder` durable.
#[cfg(unix)]
fn sync_folder(folder: &Path) -> io::Result<()> {
    File::open(folder)?.sync_all()
}

/// Makes a rename in `folder` durable (renames are not synced through a folder handle here).
#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Seek;

    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("timeline-checkpoint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A checkpoint after the first two lines of `text`.
    fn after_two_lines(text: &str) -> Checkpoint {
        let offset = text.split_inclusive('\n').take(2).map(str::len).sum::<usize>() as u64;
        let mut hash = PrefixHash::default();
        hash.update(&text.as_bytes()[..offset as usize]);
        Checkpoint {
            lines: 2,
            offset,
            created: 2,
            events: hash.fingerprint(text.len() as u64),
            ..Checkpoint::start("1001298")
        }
    }

    #[test]
    fn a_saved_checkpoint_loads_back_and_leaves_no_temporary_file() {
        let dir = folder("round-trip");
        let path = dir.join("events.ndjson.checkpoint");
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        let checkpoint = Checkpoint { failures_bytes: 77, failed: 1, ..after_two_lines("a\nb\nc\n") };
        checkpoint.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), Some(checkpoint.clone()));
        let replaced = Checkpoint { lines: 3, ..checkpoint };
        replaced.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), Some(replaced));
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(names, ["events.ndjson.checkpoint"]);
    }

    #[test]
    fn a_checkpoint_without_a_fingerprint_is_refused() {
        let dir = folder("old");
        let path = dir.join("old.checkpoint");
        std::fs::write(
            &path,
            r#"{"templateId": "1", "lines": 2, "offset": 4, "failuresBytes": 0, "created": 2, "failed": 0}"#,
        )
        .unwrap();
        let error = Checkpoint::load(&path).unwrap_err().to_string();
        assert!(error.contains("no fingerprint of the events file"), "{error}");
        assert!(error.contains("--restart"), "{error}");
    }

    #[test]
    fn the_same_prefix_verifies_and_leaves_the_file_at_the_offset() {
        let dir = folder("verify");
        let events = dir.join("events.ndjson");
        let checkpoint = after_two_lines("one\ntwo\nthree\n");
        std::fs::write(&events, "one\ntwo\nthree\nfour\n").unwrap();
        let mut file = File::open(&events).unwrap();
        let hash = checkpoint.verify(&events, &mut file).unwrap();
        assert_eq!(hash.bytes(), checkpoint.offset);
        assert_eq!(file.stream_position().unwrap(), checkpoint.offset);
    }

    #[test]
    fn an_edited_or_truncated_prefix_is_refused() {
        let dir = folder("changed");
        let events = dir.join("events.ndjson");
        let checkpoint = after_two_lines("one\ntwo\nthree\n");
        for (text, expected) in [("one\ntwO\nthree\n", "not what they were"), ("one\n", "truncated")] {
            std::fs::write(&events, text).unwrap();
            let mut file = File::open(&events).unwrap();
            let error = checkpoint.verify(&events, &mut file).unwrap_err().to_string();
            assert!(error.contains(expected) && error.contains("--restart"), "{text:?}: {error}");
            assert!(error.contains(&events.display().to_string()), "{error}");
        }
    }
}
