//! Reading user files safely: bounded in size, UTF-8 checked with a position, and moving a
//! broken file aside instead of deleting it.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Why a text file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TextFileError {
    /// The file does not exist.
    #[error("{0} does not exist")]
    NotFound(PathBuf),
    /// The file is bigger than anything this app writes or expects.
    #[error(
        "{path} is {size} bytes, more than the {limit} bytes this app accepts; it was not read"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not a regular file: a FIFO, a device or a folder.
    #[error("{0} is not a regular file (it may be a pipe, a device or a folder); it was not read")]
    NotRegular(PathBuf),
    /// The bytes are not UTF-8.
    #[error("{path}:{line}:{column}: the file is not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in characters) of the first bad byte.
        column: usize,
    },
    /// Reading failed.
    #[error("Could not read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// Reads a UTF-8 file of at most `limit` bytes. The size and kind are checked before
/// anything is read: a larger file, or anything that is not a regular file (a FIFO that
/// would block, a device, a folder), is refused unread.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, TextFileError> {
    let io_error = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            TextFileError::NotFound(path.to_path_buf())
        } else {
            TextFileError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    check_regular_and_small(path, &std::fs::metadata(path).map_err(io_error)?, limit)?;
    let file = open_without_blocking(path).map_err(io_error)?;
    // Checked again on what was opened, in case the path changed in between.
    check_regular_and_small(path, &file.metadata().map_err(io_error)?, limit)?;
    let mut bytes = Vec::new();
    // Never more than the limit, even if the file grows while it is read.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(TextFileError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid prefix is UTF-8 by definition.
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = line_column(valid, valid.len());
        TextFileError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            column,
        }
    })
}

fn check_regular_and_small(
    path: &Path,
    metadata: &std::fs::Metadata,
    limit: u64,
) -> Result<(), TextFileError> {
    if !metadata.is_file() {
        return Err(TextFileError::NotRegular(path.to_path_buf()));
    }
    if metadata.len() > limit {
        return Err(TextFileError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
            limit,
        });
    }
    Ok(())
}

/// Opens for reading; on Unix without blocking, so a FIFO swapped in after the check cannot
/// hang the app (it is then refused by the second check).
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// 1-based line and column (in characters) of the byte `offset` in `text`; every error
/// position in the app's files is computed here.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Renames a broken file to `<name>.broken-<UTC timestamp>` beside it, never deleting
/// anything, and returns the new path.
pub fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = utc_timestamp(std::time::SystemTime::now());
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let mut candidate = path.with_file_name(format!("{name}.broken-{stamp}"));
    let mut attempt = 1;
    while candidate.exists() {
        attempt += 1;
        candidate = path.with_file_name(format!("{name}.broken-{stamp}-{attempt}"));
    }
    std::fs::rename(path, &candidate)?;
    Ok(candidate)
}

/// `YYYYMMDD-HHMMSS` in UTC.
fn utc_timestamp(time: std::time::SystemTime) -> String {
    let seconds = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// 1-based line and column of a RON error, moved past the whitespace the parser stops on, so
/// it points at the offending token.
pub fn ron_error_position(text: &str, error: &ron::error::SpannedError) -> (usize, usize) {
    let (line, column) = (error.span.start.line, error.span.start.col);
    // Byte offset of the reported position; ron counts lines and columns from 1.
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let Some(line_text) = text.get(line_start..).and_then(|rest| rest.lines().next()) else {
        return (line, column);
    };
    let offset = line_start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
    // Point at the next token, on this line or a later one.
    let token = text[offset..]
        .find(|c: char| !c.is_whitespace())
        .map_or(offset, |skip| offset + skip);
    line_column(text, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let at = |s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s);
        assert_eq!(utc_timestamp(at(0)), "19700101-000000");
        assert_eq!(utc_timestamp(at(951_782_400)), "20000229-000000");
        assert_eq!(utc_timestamp(at(1_795_833_045)), "20261128-023045");
    }
}
