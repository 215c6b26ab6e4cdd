//! The first stage of `timeline send`: reading the events in chunks of
//! lines, from a checkpoint on, with a running hash of what was read (for the
//! next checkpoint's fingerprint).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::checkpoint::{Checkpoint, Fingerprint, PrefixHash};
use crate::error::CliError;

/// The `EVENTS` argument that means standard input.
pub const STDIN: &str = "-";

/// One line of the events file: its text, or why it could not be read.
#[derive(Debug)]
pub struct Line {
    /// Its number (1-based).
    pub number: u64,
    /// Its text, or why it is not text.
    pub text: Result<String, String>,
}

/// The events, read on from a checkpoint, with a running hash of what was read.
pub struct Events {
    /// The events file, or `-` for standard input.
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    /// The events file, for its size; `None` for standard input.
    file: Option<File>,
    offset: u64,
    lines: u64,
    hash: PrefixHash,
}

impl Events {
    /// Opens `path` at `checkpoint`'s offset, once its bytes before it are verified.
    pub fn open(path: &Path, checkpoint: &Checkpoint) -> Result<Events, CliError> {
        let mut file = File::open(path).map_err(CliError::io(path))?;
        let hash = checkpoint.verify(path, &mut file)?;
        let sized = file.try_clone().map_err(CliError::io(path))?;
        let (offset, lines) = (checkpoint.offset, checkpoint.lines);
        let reader = Box::new(BufReader::new(file));
        Ok(Events { path: path.to_owned(), reader, file: Some(sized), offset, lines, hash })
    }

    /// Standard input, from its first line.
    pub fn stdin() -> Events {
        let reader = Box::new(BufReader::new(std::io::stdin()));
        Events { path: PathBuf::from(STDIN), reader, file: None, offset: 0, lines: 0, hash: PrefixHash::default() }
    }

    /// The lines read so far, those of earlier runs included.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The byte offset where the next line starts.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The file's fingerprint up to the lines read so far (standard input
    /// has none: it is never checkpointed).
    pub fn fingerprint(&self) -> Result<Fingerprint, CliError> {
        let size = match &self.file {
            Some(file) => file.metadata().map_err(CliError::io(&self.path))?.len(),
            None => 0,
        };
        Ok(self.hash.fingerprint(size))
    }

    /// Up to `size` more lines; none at the end.
    pub fn next_chunk(&mut self, size: usize) -> Result<Vec<Line>, CliError> {
        let mut chunk = Vec::with_capacity(size);
        let mut bytes = Vec::new();
        while chunk.len() < size {
            bytes.clear();
            let read = self.reader.read_until(b'\n', &mut bytes).map_err(CliError::io(&self.path))?;
            if read == 0 {
                break;
            }
            self.offset += read as u64;
            self.lines += 1;
            self.hash.update(&bytes);
            let text = String::from_utf8(bytes.clone()).map_err(|_| "the line is not UTF-8".to_owned());
            chunk.push(Line { number: self.lines, text });
        }
        Ok(chunk)
    }
}

/// The number of lines of `path` (a last line without a newline counts).
pub fn count_lines(path: &Path) -> Result<u64, CliError> {
    let mut reader = BufReader::new(File::open(path).map_err(CliError::io(path))?);
    let (mut lines, mut last) = (0, b'\n');
    loop {
        let buffer = reader.fill_buf().map_err(CliError::io(path))?;
        let Some(&end) = buffer.last() else { break };
        lines += buffer.iter().filter(|&&byte| byte == b'\n').count() as u64;
        last = end;
        let length = buffer.len();
        reader.consume(length);
    }
    Ok(lines + u64::from(last != b'\n'))
}
