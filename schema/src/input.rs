//! Reading user input with a bound: a schema, a manifest or a template is read only up to
//! [`MAX_INPUT_BYTES`], so a device (`/dev/zero`), an endless pipe or a mistaken path to a
//! huge file ends with a clear error instead of eating memory.
//!
//! This is the one place that knows the limit; docs/safety-and-limits.md ("Input limits")
//! documents it.

use std::io::{self, Read};
use std::path::Path;

/// The most bytes eventlake reads from one input file (4 MiB). A schema of 40,000 columns is
/// about 1 MB, so real schemas stay far below it.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads at most [`MAX_INPUT_BYTES`] from `path`. A longer input is an error of kind
/// [`io::ErrorKind::FileTooLarge`], found after reading one byte past the limit, so an
/// endless input costs no more than the limit.
pub fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    read_bounded_from(std::fs::File::open(path)?)
}

/// [`read_bounded`] on any reader (standard input, a file already open).
pub fn read_bounded_from(reader: impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The error [`read_bounded`] returns for an input above the limit.
pub fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "larger than {} MiB, the limit for an input file",
            MAX_INPUT_BYTES >> 20
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_up_to_the_limit_are_read_whole_and_longer_ones_refused() {
        let limit = usize::try_from(MAX_INPUT_BYTES).unwrap_or(usize::MAX);
        let at_limit = vec![b'a'; limit];
        assert_eq!(
            read_bounded_from(at_limit.as_slice()).map(|b| b.len()).ok(),
            Some(limit)
        );
        let endless = io::repeat(b'a');
        let err = read_bounded_from(endless).err();
        assert_eq!(
            err.as_ref().map(io::Error::kind),
            Some(io::ErrorKind::FileTooLarge)
        );
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("larger than 4 MiB, the limit for an input file")
        );
    }
}
