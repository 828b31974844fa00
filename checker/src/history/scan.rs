//! The JSONL reader's fastest path: a hand-written scanner for the line
//! shapes logjam's writer produces (a `send`, `poll` or `txn` op with plain
//! strings and integers), reading a line straight into an [`Op`] with no
//! allocation beyond the op's own. Even serde's typed visitors (`fast.rs`)
//! spent most of a million-op history's parse in their per-token machinery
//! (issue 13, "Speed"). It accepts a strict subset of what the general
//! reader (`read.rs`) accepts and reads it to the same op; anything else (an
//! escape in a string, a float, `null` where a value was expected, a field
//! it does not know, a nemesis op, a metadata line, any error) returns
//! `None`, and the serde readers read the line again, so errors keep their
//! exact wording. A property test holds it to the general reader.
use super::op::{Op, OpType, Process};
use super::reads::Reads;
use super::val::{Key, Val};
use super::value::{MicroOp, OpValue, ValueShape};

/// An op the scanner read: its `index` field as written (`None`: absent),
/// and whether its value is the micro-operations it appended to the
/// caller's buffer (its `value` is then a placeholder).
pub(super) struct Scanned {
    pub index: Option<u64>,
    pub op: Op,
    pub micro: bool,
}

/// The op on a line, or `None` when another reader must read the line. Its
/// micro-operations are appended to `micro`, a buffer the caller keeps
/// across lines, so a line allocates no vector of its own for them (issue
/// 13, "Speed"); on `None` the buffer is left as it was. `scratch` is where
/// a key's records gather before they get an allocation of their exact
/// size (kept across lines, so a poll's records cost one allocation, not a
/// growing vector's several).
pub(super) fn op_into(
    text: &str,
    scratch: &mut Vec<(i64, Val)>,
    micro: &mut Vec<MicroOp>,
) -> Option<Scanned> {
    scratch.clear();
    let before = micro.len();
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        scratch,
        micro,
    };
    let line = s.line().filter(|_| {
        s.ws();
        s.at == s.bytes.len()
    });
    if line.is_none() {
        micro.truncate(before);
    }
    line
}

/// [`op_into`] with the op's micro-operations in its value: the op the line
/// reads as.
#[cfg(test)]
pub(super) fn op(text: &str, scratch: &mut Vec<(i64, Val)>) -> Option<(Option<u64>, Op)> {
    let mut micro = Vec::new();
    let Scanned {
        index,
        mut op,
        micro: has_micro,
    } = op_into(text, scratch, &mut micro)?;
    if has_micro {
        op.value = OpValue::Micro(micro);
    }
    Some((index, op))
}

struct Scanner<'a, 's> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    scratch: &'s mut Vec<(i64, Val)>,
    micro: &'s mut Vec<MicroOp>,
}

/// The fields a line may have, each at most once (as the general reader
/// requires).
#[derive(Default)]
struct Seen {
    index: bool,
    time: bool,
    process: bool,
    op_type: bool,
    f: bool,
    value: bool,
    node: bool,
    error: bool,
    final_read: bool,
}

impl<'a> Scanner<'a, '_> {
    fn line(&mut self) -> Option<Scanned> {
        self.eat(b'{')?;
        let mut seen = Seen::default();
        let (mut index, mut time_ns, mut process, mut op_type) = (None, None, None, None);
        let (mut f, mut micro, mut node, mut error) = (None::<Key>, false, None, None);
        let mut final_read = false;
        if !self.peek_is(b'}') {
            loop {
                let name = self.string()?;
                self.eat(b':')?;
                match name {
                    "index" => {
                        once(&mut seen.index)?;
                        index = Some(self.unsigned()?);
                    }
                    "time" => {
                        once(&mut seen.time)?;
                        time_ns = Some(self.unsigned()?);
                    }
                    "process" => {
                        once(&mut seen.process)?;
                        process = Some(if self.peek_is(b'"') {
                            Process::Named(self.string()?.to_string())
                        } else {
                            Process::Id(self.unsigned()?)
                        });
                    }
                    "type" => {
                        once(&mut seen.op_type)?;
                        op_type = Some(OpType::parse(self.string()?)?);
                    }
                    "f" => {
                        once(&mut seen.f)?;
                        f = Some(Key::from(self.string()?));
                    }
                    "value" => {
                        once(&mut seen.value)?;
                        // Read with `f`'s shape, so `f` must come first, as
                        // logjam's writer puts it.
                        if ValueShape::of(f.as_deref()?) != ValueShape::Micro {
                            return None;
                        }
                        self.micro_ops()?;
                        micro = true;
                    }
                    "node" => {
                        once(&mut seen.node)?;
                        node = Some(Key::from(self.string()?));
                    }
                    "error" => {
                        once(&mut seen.error)?;
                        error = Some(Key::from(self.string()?));
                    }
                    "final" => {
                        once(&mut seen.final_read)?;
                        final_read = self.boolean()?;
                    }
                    _ => return None,
                }
                if !self.comma_or(b'}')? {
                    break;
                }
            }
        } else {
            self.at += 1;
        }
        let op = Op {
            index: 0,
            time_ns,
            process: process?,
            op_type: op_type?,
            f: f?,
            value: OpValue::Other(serde_json::Value::Null),
            node,
            error,
            rebalance_log: None,
            final_read,
        };
        Some(Scanned { index, op, micro })
    }

    /// `[MICRO, ...]`, appended to the caller's buffer.
    fn micro_ops(&mut self) -> Option<()> {
        self.eat(b'[')?;
        if self.peek_is(b']') {
            self.at += 1;
            return Some(());
        }
        loop {
            let micro = self.micro_op()?;
            self.micro.push(micro);
            if !self.comma_or(b']')? {
                return Some(());
            }
        }
    }

    /// `["send", KEY, VALUE]`, `["send", KEY, [OFFSET, VALUE]]`, `["poll"]`,
    /// `["poll", null]` or `["poll", {KEY: [[OFFSET, VALUE], ...]}]`.
    fn micro_op(&mut self) -> Option<MicroOp> {
        self.eat(b'[')?;
        let micro = match self.string()? {
            "send" => {
                self.eat(b',')?;
                let key = Key::from(self.string()?);
                self.eat(b',')?;
                let (offset, value) = if self.peek_is(b'[') {
                    self.at += 1;
                    let offset = if self.literal(b"null") {
                        None
                    } else {
                        Some(self.signed()?)
                    };
                    self.eat(b',')?;
                    let value = self.val()?;
                    self.eat(b']')?;
                    (offset, value)
                } else {
                    (None, self.val()?)
                };
                MicroOp::Send { key, value, offset }
            }
            "poll" => {
                if self.peek_is(b',') {
                    self.at += 1;
                    if self.literal(b"null") {
                        MicroOp::Poll { reads: None }
                    } else {
                        MicroOp::Poll {
                            reads: Some(self.reads()?),
                        }
                    }
                } else {
                    MicroOp::Poll { reads: None }
                }
            }
            _ => return None,
        };
        self.eat(b']')?;
        Some(micro)
    }

    /// `{KEY: [[OFFSET, VALUE], ...]}`; a repeated key: the last wins, as in
    /// the general reader's JSON maps.
    fn reads(&mut self) -> Option<Reads> {
        self.eat(b'{')?;
        let mut reads = Reads::new();
        if self.peek_is(b'}') {
            self.at += 1;
            return Some(reads);
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            reads.insert(key, self.records()?);
            if !self.comma_or(b'}')? {
                reads.shrink_to_fit();
                return Some(reads);
            }
        }
    }

    /// `[[OFFSET, VALUE], ...]`, offsets required.
    fn records(&mut self) -> Option<Vec<(i64, Val)>> {
        self.eat(b'[')?;
        if self.peek_is(b']') {
            self.at += 1;
            return Some(Vec::new());
        }
        loop {
            self.eat(b'[')?;
            let offset = self.signed()?;
            self.eat(b',')?;
            let value = self.val()?;
            self.eat(b']')?;
            self.scratch.push((offset, value));
            if !self.comma_or(b']')? {
                // JSON gives no length up front: gathered in the scratch
                // vector, the records get an allocation of their exact size
                // (a million polls' slack would be a third of their memory).
                return Some(self.scratch.drain(..).collect());
            }
        }
    }

    /// A record value: an integer that fits i64, or a string.
    fn val(&mut self) -> Option<Val> {
        if self.peek_is(b'"') {
            Some(Val::Str(Box::from(self.string()?)))
        } else {
            self.signed().map(Val::Int)
        }
    }

    /// A string without escapes or control characters (anything else is
    /// left to serde), borrowed from the line.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = &self.bytes[start..];
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are ASCII quotes, so these are character boundaries.
        self.text.get(start..start + len)
    }

    /// A JSON integer in u64 written plainly: digits, no leading zero, no
    /// fraction or exponent (serde_json reads those as floats).
    fn unsigned(&mut self) -> Option<u64> {
        self.ws();
        self.digits()
    }

    /// [`Self::unsigned`] with no whitespace before.
    fn digits(&mut self) -> Option<u64> {
        let start = self.at;
        let mut n: u64 = 0;
        while let Some(&b) = self.bytes.get(self.at) {
            if !b.is_ascii_digit() {
                break;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.at += 1;
        }
        let len = self.at - start;
        if len == 0 || (len > 1 && self.bytes[start] == b'0') {
            return None;
        }
        if matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(n)
    }

    /// A JSON integer in i64 written plainly; `-0` is left to serde.
    fn signed(&mut self) -> Option<i64> {
        self.ws();
        if self.peek_is(b'-') {
            self.at += 1;
            let n = self.digits()?;
            if n == 0 {
                return None;
            }
            // -(i64::MIN) is one past i64::MAX.
            0i64.checked_sub_unsigned(n)
        } else {
            i64::try_from(self.unsigned()?).ok()
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true") {
            Some(true)
        } else if self.literal(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// Consumes `word` when it comes next (after whitespace).
    fn literal(&mut self, word: &[u8]) -> bool {
        self.ws();
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// After an element: `true` on `,` (another follows), `false` on `close`.
    fn comma_or(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.bytes.get(self.at) {
            Some(b',') => {
                self.at += 1;
                Some(true)
            }
            Some(&b) if b == close => {
                self.at += 1;
                Some(false)
            }
            _ => None,
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    fn peek_is(&mut self, byte: u8) -> bool {
        self.ws();
        self.bytes.get(self.at) == Some(&byte)
    }

    /// JSON's whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }
}

/// Marks a field read; `None` when it was read already.
fn once(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}
