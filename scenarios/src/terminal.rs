//! Text from a history (keys, process names, values, error messages) made
//! safe to print: control characters could move the cursor or clear the
//! screen, and bidirectional overrides (U+202E) could make a line read
//! backwards (issue 14 §6). Each is shown as `\u{...}` instead.
use std::borrow::Cow;
use std::fmt::Write;

/// Whether a character must not reach a terminal as itself.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c,
            // Bidirectional marks, embeddings, overrides and isolates.
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators break a line where none is shown.
            | '\u{2028}' | '\u{2029}')
}

/// `text` with every control character (but newline) and bidirectional
/// control escaped as `\u{XX}`; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(escape("orders/0"), "orders/0");
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\u{202e}yz\r"), "x\\u{202e}yz\\u{d}");
        assert_eq!(escape("two\nlines\u{7f}"), "two\nlines\\u{7f}");
        assert_eq!(escape("\u{2067}é\u{2069}"), "\\u{2067}é\\u{2069}");
    }
}
