//! Comparing a recorded history with a replayed one, for `logjam replay`.

/// `None` when the bytes are identical; else where they first differ, by
/// 1-based line, including when one history is a prefix of the other.
pub fn first_difference(recorded: &[u8], replayed: &[u8]) -> Option<String> {
    if recorded == replayed {
        return None;
    }
    let a: Vec<&[u8]> = recorded.split_inclusive(|&b| b == b'\n').collect();
    let b: Vec<&[u8]> = replayed.split_inclusive(|&b| b == b'\n').collect();
    if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        return Some(format!("differs from line {}", i + 1));
    }
    let (longer, extra) = if a.len() > b.len() {
        ("recorded", a.len() - b.len())
    } else {
        ("replayed", b.len() - a.len())
    };
    let shorter = a.len().min(b.len());
    Some(format!(
        "differs from line {}: the {longer} history has {extra} more line{}",
        shorter + 1,
        if extra == 1 { "" } else { "s" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_differing_line() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        assert_eq!(
            first_difference(b"a\nb\nc\n", b"a\nx\nc\n").as_deref(),
            Some("differs from line 2")
        );
        assert_eq!(
            first_difference(b"a\nb\nc\n", b"a\n").as_deref(),
            Some("differs from line 2: the recorded history has 2 more lines")
        );
        assert_eq!(
            first_difference(b"a\n", b"a\nb\n").as_deref(),
            Some("differs from line 2: the replayed history has 1 more line")
        );
        assert_eq!(
            first_difference(b"", b"a\n").as_deref(),
            Some("differs from line 1: the replayed history has 1 more line")
        );
    }
}
