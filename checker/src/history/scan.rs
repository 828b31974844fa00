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
//!
//! Reading is most of `logjam check`'s work on a long history, so the
//! scanner costs a few instructions per byte where the writer's lines are
//! concerned (issue 13, "Speed"): field, op-type and micro-op names are
//! compared in place rather than read as strings and then compared, numbers
//! are read eight digits at a time, whitespace (which the writer never
//! writes) costs one test where there is none, and a table finds a string's
//! end.
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
    let line = s.line();
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
    /// The next byte to read; never past the end.
    at: usize,
    scratch: &'s mut Vec<(i64, Val)>,
    micro: &'s mut Vec<MicroOp>,
}

/// The fields a line may have, each at most once (as the general reader
/// requires): a field's bit in a mask marks it read.
#[derive(Clone, Copy)]
enum Field {
    Index,
    Time,
    Process,
    Type,
    F,
    Value,
    Node,
    Error,
    Final,
}

/// The bytes that end a string's plain run: its closing quote, or what the
/// scanner leaves to serde (an escape's backslash, a control character JSON
/// allows only escaped). A table makes that one load and test per byte.
const ENDS_STRING: [bool; 256] = {
    let mut ends = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        ends[byte] = true;
        byte += 1;
    }
    ends[b'"' as usize] = true;
    ends[b'\\' as usize] = true;
    ends
};

impl<'a> Scanner<'a, '_> {
    fn line(&mut self) -> Option<Scanned> {
        self.eat(b'{')?;
        let mut seen = 0u16;
        let (mut index, mut time_ns, mut process, mut op_type) = (None, None, None, None);
        let (mut f, mut micro, mut node, mut error) = (None::<Key>, false, None, None);
        let mut final_read = false;
        if !self.peek_is(b'}') {
            loop {
                let field = self.field()?;
                once(&mut seen, field)?;
                self.eat(b':')?;
                match field {
                    Field::Index => index = Some(self.unsigned()?),
                    Field::Time => time_ns = Some(self.unsigned()?),
                    Field::Process => {
                        process = Some(if self.peek_is(b'"') {
                            Process::Named(self.string()?.to_string())
                        } else {
                            Process::Id(self.unsigned()?)
                        });
                    }
                    Field::Type => op_type = Some(self.op_type()?),
                    Field::F => f = Some(Key::from(self.string()?)),
                    Field::Value => {
                        // Read with `f`'s shape, so `f` must come first, as
                        // logjam's writer puts it.
                        if ValueShape::of(f.as_deref()?) != ValueShape::Micro {
                            return None;
                        }
                        self.micro_ops()?;
                        micro = true;
                    }
                    Field::Node => node = Some(Key::from(self.string()?)),
                    Field::Error => error = Some(Key::from(self.string()?)),
                    Field::Final => final_read = self.boolean()?,
                }
                if !self.comma_or(b'}')? {
                    break;
                }
            }
        } else {
            self.at += 1;
        }
        // Only whitespace may follow the object.
        self.skip_ws();
        if self.at != self.bytes.len() {
            return None;
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

    /// A field's quoted name. The bytes after the opening quote are compared
    /// with each name the scanner knows and its closing quote, rather than
    /// read as a string and then compared: no name holds a quote, backslash
    /// or control character, so they match exactly when [`Self::string`]
    /// would read that name, and any other name is one left to serde (a
    /// prefix such as `"indexes"` matches none, its `e` not being a quote).
    fn field(&mut self) -> Option<Field> {
        self.eat(b'"')?;
        // The first byte leaves one or two names to compare.
        Some(match *self.bytes.get(self.at)? {
            b'i' if self.word(b"index") => Field::Index,
            b't' if self.word(b"time") => Field::Time,
            b't' if self.word(b"type") => Field::Type,
            b'p' if self.word(b"process") => Field::Process,
            b'f' if self.word(b"f") => Field::F,
            b'f' if self.word(b"final") => Field::Final,
            b'v' if self.word(b"value") => Field::Value,
            b'n' if self.word(b"node") => Field::Node,
            b'e' if self.word(b"error") => Field::Error,
            _ => return None,
        })
    }

    /// A quoted op type, compared as [`Self::field`] compares names: the
    /// types [`OpType::parse`] knows (any other is serde's to read).
    fn op_type(&mut self) -> Option<OpType> {
        self.eat(b'"')?;
        Some(match *self.bytes.get(self.at)? {
            b'i' if self.word(b"invoke") => OpType::Invoke,
            b'i' if self.word(b"info") => OpType::Info,
            b'o' if self.word(b"ok") => OpType::Ok,
            b'f' if self.word(b"fail") => OpType::Fail,
            _ => return None,
        })
    }

    /// After an opening quote: consumes `word` and the closing quote when
    /// they come next. `word` holds no quote, backslash or control
    /// character, so this is exactly when [`Self::string`] would read it.
    #[inline(always)]
    fn word(&mut self, word: &[u8]) -> bool {
        match self.bytes[self.at..].strip_prefix(word) {
            Some([b'"', ..]) => {
                self.at += word.len() + 1;
                true
            }
            _ => false,
        }
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
    /// `["poll", null]` or `["poll", {KEY: [[OFFSET, VALUE], ...]}]`; the
    /// name compared as [`Self::field`] compares names.
    fn micro_op(&mut self) -> Option<MicroOp> {
        self.eat(b'[')?;
        self.eat(b'"')?;
        let micro = if self.word(b"send") {
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
        } else if self.word(b"poll") {
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
        } else {
            return None;
        };
        self.eat(b']')?;
        Some(micro)
    }

    /// `{KEY: [[OFFSET, VALUE], ...]}`; a repeated key: the last wins, as in
    /// the general reader's JSON maps.
    fn reads(&mut self) -> Option<Reads> {
        self.eat(b'{')?;
        if self.peek_is(b'}') {
            self.at += 1;
            return Some(Reads::new());
        }
        let mut reads = Reads::with_capacity(1);
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
    #[inline(always)]
    fn val(&mut self) -> Option<Val> {
        if self.peek()? == b'"' {
            Some(Val::Str(Box::from(self.string()?)))
        } else {
            self.signed().map(Val::Int)
        }
    }

    /// A string without escapes or control characters (anything else is
    /// left to serde), borrowed from the line.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = &self.bytes[start..];
        let len = rest.iter().position(|&b| ENDS_STRING[usize::from(b)])?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are ASCII quotes, so these are character boundaries.
        self.text.get(start..start + len)
    }

    /// A JSON integer in u64 written plainly: digits, no leading zero, no
    /// fraction or exponent (serde_json reads those as floats).
    #[inline(always)]
    fn unsigned(&mut self) -> Option<u64> {
        self.skip_ws();
        self.digits()
    }

    /// [`Self::unsigned`] with no whitespace before.
    #[inline(always)]
    fn digits(&mut self) -> Option<u64> {
        let rest = &self.bytes[self.at..];
        // Up to eight digits at once (fewer end at a byte that is not a
        // digit), then one at a time: after eight, or when fewer than eight
        // bytes are left (and where the chunk had no digit, the loop finds
        // none either).
        let (mut n, mut len) = match rest.first_chunk() {
            Some(chunk) => leading_digits(chunk),
            None => (0, 0),
        };
        if len == 8 || len == 0 {
            while let Some(&b) = rest.get(len) {
                let digit = b.wrapping_sub(b'0');
                if digit > 9 {
                    break;
                }
                // Nineteen digits make at most 10^19 - 1, below u64::MAX
                // (about 1.8 * 10^19): only a twentieth digit or more can
                // overflow, so only those pay for the checks.
                n = if len < 19 {
                    n * 10 + u64::from(digit)
                } else {
                    n.checked_mul(10)?.checked_add(u64::from(digit))?
                };
                len += 1;
            }
        }
        if len == 0 || (len > 1 && rest[0] == b'0') {
            return None;
        }
        if matches!(rest.get(len), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.at += len;
        Some(n)
    }

    /// A JSON integer in i64 written plainly; `-0` is left to serde.
    #[inline(always)]
    fn signed(&mut self) -> Option<i64> {
        if self.peek()? == b'-' {
            self.at += 1;
            let n = self.digits()?;
            if n == 0 {
                return None;
            }
            // -(i64::MIN) is one past i64::MAX.
            0i64.checked_sub_unsigned(n)
        } else {
            i64::try_from(self.digits()?).ok()
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
    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> bool {
        self.skip_ws();
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// After an element: `true` on `,` (another follows), `false` on `close`.
    fn comma_or(&mut self, close: u8) -> Option<bool> {
        let next = self.peek()?;
        if next == b',' || next == close {
            self.at += 1;
            Some(next == b',')
        } else {
            None
        }
    }

    /// Consumes `byte` when it comes next (after whitespace).
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek_is(byte) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// Whether `byte` comes next (after whitespace), not consumed.
    #[inline(always)]
    fn peek_is(&mut self, byte: u8) -> bool {
        // `byte` is never whitespace, so found where the scanner stands it
        // needs no whitespace test.
        self.bytes.get(self.at) == Some(&byte) || self.peek() == Some(byte)
    }

    /// The next byte after any whitespace, not consumed (`None` at the end).
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        match self.bytes.get(self.at) {
            // logjam's writer writes no whitespace, and every byte above
            // the space is not JSON's: one test on the common path.
            Some(&b) if b > b' ' => Some(b),
            _ => {
                self.ws();
                self.bytes.get(self.at).copied()
            }
        }
    }

    /// Skips any whitespace: [`Self::peek`], for a caller that looks further.
    #[inline(always)]
    fn skip_ws(&mut self) {
        let _ = self.peek();
    }

    /// JSON's whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }
}

/// The digits `chunk` starts with: their value and how many (up to all
/// eight). The eight bytes are read as one integer, a byte per lane, so a
/// number costs a few arithmetic steps rather than a loop step per digit
/// (most of a history's bytes are digits).
pub(super) fn leading_digits(chunk: &[u8; 8]) -> (u64, usize) {
    const LANES: u64 = u64::from_le_bytes([1; 8]);
    // Little-endian: the first byte is the lowest lane.
    let word = u64::from_le_bytes(*chunk);
    // A lane's top bit is set where a byte is not a digit: below `0` the
    // subtraction wraps to 0xd0 or more, above `9` adding 0x46 reaches 0x80,
    // and a byte of 0x80 or more has it already. A borrow or carry runs only
    // from such a lane to the lanes after it, so the lanes up to the first
    // non-digit (all that is used) are exact.
    let not_digit =
        (word.wrapping_sub(LANES * 0x30) | word.wrapping_add(LANES * 0x46) | word) & (LANES * 0x80);
    let len = not_digit.trailing_zeros() as usize / 8;
    if len == 0 {
        return (0, 0);
    }
    // The digits' values moved up to the top lanes, zeros before them as
    // leading zeros; the bytes after them are shifted out.
    let digits = (word & (LANES * 0x0f)) << (8 * (8 - len));
    // Each step joins neighbouring lanes, the first being the more
    // significant: 10a + b in 16-bit lanes, then 100a + b in 32-bit lanes,
    // then 10000a + b in the whole word.
    let pairs = digits.wrapping_mul(1 + (10 << 8)) >> 8;
    let quads = (pairs & 0x00ff_00ff_00ff_00ff).wrapping_mul(1 + (100 << 16)) >> 16;
    let eight = (quads & 0x0000_ffff_0000_ffff).wrapping_mul(1 + (10000 << 32)) >> 32;
    (eight, len)
}

/// Marks a field read; `None` when it was read already.
fn once(seen: &mut u16, field: Field) -> Option<()> {
    let bit = 1 << field as u16;
    let first = *seen & bit == 0;
    *seen |= bit;
    first.then_some(())
}
