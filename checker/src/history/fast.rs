//! The JSONL reader's second path, for lines the scanner (`scan.rs`) left
//! alone (whitespace, escapes, values of other shapes): a line deserialised straight into an [`Op`]
//! with typed, borrowing serde visitors, never through `serde_json::Value`
//! (that detour was most of the reader's time: issue 13, "Speed"). It
//! accepts only what the general reader (`read.rs`) accepts and reads it to
//! the same op; anything else (a metadata line, an unusual shape, any error)
//! returns `None` and the general reader reads the line again, so errors
//! keep their exact wording. A property test holds the two readers equal.
use super::op::{Op, OpType, Process};
use super::reads::Reads;
use super::val::{Key, Val};
use super::value::{MicroOp, OpValue, ValueShape};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// One line's fields. `value` is read with `f`'s shape, so `f` must come
/// first (logjam's writer puts it there); a line with `value` first, or
/// with a shape other than micro-operations, goes to the general reader.
#[derive(Default)]
struct Line {
    index: Option<u64>,
    time: Option<u64>,
    process: Option<Process>,
    op_type: Option<OpType>,
    f: Option<Key>,
    /// `Some(None)`: present but null.
    value: Option<Option<Vec<MicroOp>>>,
    node: Option<String>,
    error: Option<String>,
    rebalance_log: Option<serde_json::Value>,
    final_read: Option<bool>,
}

impl<'de> Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Line;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an operation")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line, A::Error> {
                let mut line = Line::default();
                // Each field at most once, as the general reader requires.
                let mut seen = [false; 11];
                while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                    let slot = match name.as_ref() {
                        "index" => 0,
                        "time" => 1,
                        "process" => 2,
                        "type" => 3,
                        "f" => 4,
                        "value" => 5,
                        "node" => 6,
                        "error" => 7,
                        "rebalance_log" => 8,
                        "final" => 9,
                        "logjam_history" => 10,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if std::mem::replace(&mut seen[slot], true) {
                        return Err(de::Error::custom("duplicate field"));
                    }
                    match slot {
                        0 => line.index = map.next_value()?,
                        1 => line.time = map.next_value()?,
                        2 => line.process = map.next_value::<Option<ProcessField>>()?.map(|p| p.0),
                        3 => line.op_type = map.next_value::<Option<TypeField>>()?.map(|t| t.0),
                        4 => {
                            line.f = map
                                .next_value::<Option<Cow<'de, str>>>()?
                                .map(|f| Key::from(f.as_ref()))
                        }
                        5 => {
                            let micro = line
                                .f
                                .as_deref()
                                .is_some_and(|f| ValueShape::of(f) == ValueShape::Micro);
                            if !micro {
                                return Err(de::Error::custom("for the general reader"));
                            }
                            line.value =
                                Some(map.next_value::<Option<MicroListField>>()?.map(|m| m.0));
                        }
                        6 => {
                            line.node = map
                                .next_value::<Option<Cow<'de, str>>>()?
                                .map(Cow::into_owned)
                        }
                        7 => {
                            line.error = map
                                .next_value::<Option<Cow<'de, str>>>()?
                                .map(Cow::into_owned)
                        }
                        8 => line.rebalance_log = map.next_value()?,
                        9 => line.final_read = map.next_value()?,
                        // The metadata line.
                        _ => return Err(de::Error::custom("for the general reader")),
                    }
                }
                Ok(line)
            }
        }
        d.deserialize_map(V)
    }
}

/// The op on a line, with its `index` field as written (`None`: absent), or
/// `None` when the general reader must read the line.
pub(super) fn op(text: &str) -> Option<(Option<u64>, Op)> {
    // A JSON array would fill the struct positionally.
    if !text.starts_with('{') {
        return None;
    }
    let line: Line = serde_json::from_str(text).ok()?;
    let value = match line.value {
        Some(Some(micro)) => OpValue::Micro(micro),
        // `null` reads as absent, as in the general reader.
        _ => OpValue::Other(serde_json::Value::Null),
    };
    Some((
        line.index,
        Op {
            index: 0,
            time_ns: line.time,
            process: line.process?,
            op_type: line.op_type?,
            f: line.f?,
            value,
            node: line.node.map(Key::from),
            error: line.error.map(Key::from),
            rebalance_log: line.rebalance_log.filter(|v| !v.is_null()).map(Box::new),
            final_read: line.final_read.unwrap_or(false),
        },
    ))
}

struct MicroListField(Vec<MicroOp>);

impl<'de> Deserialize<'de> for MicroListField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        MicroList.deserialize(d).map(MicroListField)
    }
}

struct ProcessField(Process);

impl<'de> Deserialize<'de> for ProcessField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ProcessField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or a string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ProcessField(Process::Id(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ProcessField(Process::Named(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

struct TypeField(OpType);

impl<'de> Deserialize<'de> for TypeField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <Cow<'de, str>>::deserialize(d)?;
        OpType::parse(&name)
            .map(TypeField)
            .ok_or_else(|| de::Error::custom("not an op type"))
    }
}

/// `[MICRO, ...]`.
struct MicroList;

impl<'de> DeserializeSeed<'de> for MicroList {
    type Value = Vec<MicroOp>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<MicroOp>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of micro-operations")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(m) = seq.next_element::<Micro>()? {
                    out.push(m.0);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V)
    }
}

/// `["send", KEY, VALUE]`, `["send", KEY, [OFFSET, VALUE]]`, `["poll"]`,
/// `["poll", null]` or `["poll", {KEY: [[OFFSET, VALUE], ...]}]`.
struct Micro(MicroOp);

impl<'de> Deserialize<'de> for Micro {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Micro;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a micro-operation")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let missing = || de::Error::custom("short micro-operation");
                let name: Cow<'de, str> = seq.next_element()?.ok_or_else(missing)?;
                let micro = match name.as_ref() {
                    "send" => {
                        let key = seq.next_element::<KeyField>()?.ok_or_else(missing)?.0;
                        let payload = seq.next_element::<Payload>()?.ok_or_else(missing)?;
                        MicroOp::Send {
                            key,
                            value: payload.1,
                            offset: payload.0,
                        }
                    }
                    "poll" => MicroOp::Poll {
                        reads: seq
                            .next_element::<Option<ReadsField>>()?
                            .flatten()
                            .map(|r| r.0),
                    },
                    _ => return Err(de::Error::custom("unknown micro-operation")),
                };
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("long micro-operation"));
                }
                Ok(Micro(micro))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A key: a string, or an integer read as its decimal string.
struct KeyField(Key);

impl<'de> Deserialize<'de> for KeyField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(KeyField(compact_str::ToCompactString::to_compact_string(
                    &v,
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(KeyField(compact_str::ToCompactString::to_compact_string(
                    &v,
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyField(Key::from(v)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A record value: an integer that fits i64, or a string.
struct ValField(Val);

impl<'de> Deserialize<'de> for ValField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor).map(ValField)
    }
}

struct ValVisitor;

impl Visitor<'_> for ValVisitor {
    type Value = Val;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Val::Int)
            .map_err(|_| E::custom("integer beyond i64"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Val::Int(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Val::Str(v.into()))
    }
}

/// What follows a send's key: `VALUE` or `[OFFSET, VALUE]` (OFFSET may be null).
struct Payload(Option<i64>, Val);

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Payload;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("VALUE or [OFFSET, VALUE]")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                ValVisitor.visit_u64(v).map(|v| Payload(None, v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Payload(None, Val::Int(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Payload(None, Val::Str(v.into())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let (offset, value) = pair(&mut seq)?;
                Ok(Payload(offset, value))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[OFFSET, VALUE]` with nothing after; OFFSET may be null.
fn pair<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<(Option<i64>, Val), A::Error> {
    let missing = || de::Error::custom("[OFFSET, VALUE] must have two elements");
    let offset: Option<i64> = seq.next_element::<Option<i64>>()?.ok_or_else(missing)?;
    let value = seq.next_element::<ValField>()?.ok_or_else(missing)?.0;
    if seq.next_element::<IgnoredAny>()?.is_some() {
        return Err(missing());
    }
    Ok((offset, value))
}

/// `{KEY: [[OFFSET, VALUE], ...]}`, offsets required.
struct ReadsField(Reads);

impl<'de> Deserialize<'de> for ReadsField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ReadsField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("{KEY: [[OFFSET, VALUE], ...]}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut reads = Reads::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let records = map.next_value::<Records>()?.0;
                    // A repeated key: the last wins, as in serde_json's maps.
                    reads.insert(key.as_ref(), records);
                }
                Ok(ReadsField(reads))
            }
        }
        d.deserialize_map(V)
    }
}

struct Records(Vec<(i64, Val)>);

impl<'de> Deserialize<'de> for Records {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Records;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of [OFFSET, VALUE]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4));
                while let Some(r) = seq.next_element::<Record>()? {
                    out.push((r.0, r.1));
                }
                // JSON gives no length up front; a million polls' slack
                // would be a third of the reads' memory.
                out.shrink_to_fit();
                Ok(Records(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// `[OFFSET, VALUE]` of a read: the offset is required.
struct Record(i64, Val);

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Record;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[OFFSET, VALUE]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                match pair(&mut seq)? {
                    (Some(offset), value) => Ok(Record(offset, value)),
                    (None, _) => Err(de::Error::custom("a read needs its offset")),
                }
            }
        }
        d.deserialize_seq(V)
    }
}
