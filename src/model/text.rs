//! Text from outside (tenant names, links) made safe to show where a control character would
//! act instead of print: a terminal runs ANSI sequences, a line feed starts a new line that
//! looks like the program's own.

use std::borrow::Cow;

/// True for characters that act rather than print: C0 and C1 controls, DEL, and the
/// bidirectional overrides that reorder what a terminal shows.
pub fn is_acting_character(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each acting character written as `\u{..}`; unchanged (borrowed) when it has
/// none, which is nearly always.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_acting_character) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_acting_character(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` as a message may quote it: control characters escaped, and cut after `limit`
/// characters (with `…`), so that a server cannot fill a dialog or a log line.
pub fn quoted_from_outside(text: &str, limit: usize) -> String {
    let mut out = escape_controls(text).into_owned();
    if let Some((cut, _)) = out.char_indices().nth(limit) {
        out.truncate(cut);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acting_characters_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(escape_controls("Contoso Ltd"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("a\u{1b}[31mb\nc\u{9b}d\u{202e}e"),
            "a\\u{1b}[31mb\\u{a}c\\u{9b}d\\u{202e}e"
        );
    }
}
