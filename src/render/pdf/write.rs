//! The finished document as PDF bytes: every stream an indirect object,
//! every other object packed into compressed object streams, and one
//! compressed cross-reference stream (ISO 32000-1, 7.5.7 and 7.5.8).
//!
//! lopdf holds the document; this module writes it. lopdf 0.44's own
//! writer with object streams serialises every object twice, through a
//! formatter call per number, compresses at zlib's default level and
//! leaves the cross-reference stream raw (seven bytes per object): for a
//! tagged annex, whose structure tree is thousands of small dictionaries,
//! that was 44 % of all the PDF's instructions, and without object streams
//! the file is half as large again. Here each object is written once,
//! straight into a byte buffer, and deflated with the document's one
//! encoder.
//!
//! The bytes depend only on the document: objects in id order, object
//! streams of a fixed size, no dates, no random numbers.

use lopdf::{Dictionary, Object, StringFormat};

/// Objects per object stream: large enough for deflate to find the
/// repetitions of the structure tree, small enough that a reader that
/// needs one object decompresses little.
const PER_STREAM: usize = 500;

/// Bytes of a cross-reference entry: type, offset or stream (4), generation or index (2).
const W: [usize; 3] = [1, 4, 2];

/// Writes `lo` (streams already compressed as wanted), and `raw`: objects
/// already written (id, bytes) that are not in `lo` (the structure tree),
/// the object and cross-reference streams deflated at zlib's fastest level.
///
/// # Errors
/// When compression fails (out of memory) or an offset does not fit the
/// cross-reference entry (a file over 4 GiB).
pub(super) fn save(lo: &lopdf::Document, raw: &[(u32, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(1 << 16);
    // The header, then a comment of bytes above 127 (PDF/A: a binary file).
    out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");

    // Where each object lives: (type 1, offset, 0) or (type 2, stream, index).
    let max_id = lo.objects.keys().map(|id| id.0).chain(raw.iter().map(|r| r.0)).max().unwrap_or(0);
    let mut xref: Vec<(u8, u32, u16)> = vec![(0, 0, 0xFFFF)];
    xref.resize(max_id as usize + 1, (0, 0, 0));
    let offset = |out: &Vec<u8>| u32::try_from(out.len()).map_err(|_| "the PDF exceeds 4 GiB".to_string());

    let mut packed: Vec<(u32, Packed<'_>)> = Vec::new();
    for (&(id, generation), obj) in &lo.objects {
        match obj {
            Object::Stream(s) if generation == 0 => {
                xref[id as usize] = (1, offset(&out)?, 0);
                out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
                stream(&mut out, &s.dict, &s.content);
                out.extend_from_slice(b"endobj\n");
            }
            _ if generation == 0 => packed.push((id, Packed::Object(obj))),
            _ => return Err(format!("object {id} {generation} has a generation other than 0")),
        }
    }

    packed.extend(raw.iter().map(|(id, bytes)| (*id, Packed::Written(bytes))));

    let mut next = max_id + 1;
    let mut body = Vec::new();
    let mut index = Vec::new();
    for chunk in packed.chunks(PER_STREAM) {
        body.clear();
        index.clear();
        let stm = next;
        next += 1;
        for (k, (id, obj)) in chunk.iter().enumerate() {
            if k > 0 {
                body.push(b'\n');
            }
            push_int(&mut index, i64::from(*id));
            index.push(b' ');
            push_int(&mut index, body.len() as i64);
            index.push(b' ');
            match obj {
                Packed::Object(o) => object(&mut body, o),
                Packed::Written(b) => body.extend_from_slice(b),
            }
            xref[*id as usize] = (2, stm, k as u16);
        }
        let mut content = Vec::with_capacity(index.len() + body.len());
        content.extend_from_slice(&index);
        content.extend_from_slice(&body);
        let deflated = deflate(&content)?;
        if xref.len() <= stm as usize {
            xref.resize(stm as usize + 1, (0, 0, 0));
        }
        xref[stm as usize] = (1, offset(&out)?, 0);
        out.extend_from_slice(format!("{stm} 0 obj\n").as_bytes());
        let dict = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"ObjStm".to_vec())),
            ("N", Object::Integer(chunk.len() as i64)),
            ("First", Object::Integer(index.len() as i64)),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ]);
        stream(&mut out, &dict, &deflated);
        out.extend_from_slice(b"endobj\n");
    }

    // The cross-reference stream, its own entry included, each row as its
    // difference from the row above (PNG "Up"): rows of consecutive objects
    // in one object stream are then nearly all zeros.
    let xref_id = next;
    xref.resize(xref_id as usize, (0, 0, 0));
    let start = offset(&out)?;
    xref.push((1, start, 0));
    let row = W.iter().sum::<usize>();
    let mut rows = Vec::with_capacity(xref.len() * (row + 1));
    let mut above = vec![0u8; row];
    let mut this = Vec::with_capacity(row);
    for &(kind, a, b) in &xref {
        this.clear();
        this.push(kind);
        this.extend_from_slice(&a.to_be_bytes());
        this.extend_from_slice(&b.to_be_bytes());
        rows.push(2);
        rows.extend(this.iter().zip(&above).map(|(t, a)| t.wrapping_sub(*a)));
        above.copy_from_slice(&this);
    }
    let deflated = deflate(&rows)?;
    let mut dict = Dictionary::new();
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(v) = lo.trailer.get(key) {
            dict.set(key.to_vec(), v.clone());
        }
    }
    dict.set("Type", Object::Name(b"XRef".to_vec()));
    dict.set("Size", Object::Integer(i64::from(xref_id) + 1));
    dict.set("W", Object::Array(W.iter().map(|&w| Object::Integer(w as i64)).collect()));
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    dict.set(
        "DecodeParms",
        Dictionary::from_iter(vec![
            ("Predictor", Object::Integer(12)),
            ("Columns", Object::Integer(row as i64)),
        ]),
    );
    out.extend_from_slice(format!("{xref_id} 0 obj\n").as_bytes());
    stream(&mut out, &dict, &deflated);
    out.extend_from_slice(format!("endobj\nstartxref\n{start}\n%%EOF\n").as_bytes());
    Ok(out)
}

/// An object to pack into an object stream: one of lopdf's, or one written already.
enum Packed<'a> {
    Object(&'a Object),
    Written(&'a [u8]),
}

/// Deflates `data` with this thread's encoder (reset, not rebuilt).
fn deflate(data: &[u8]) -> Result<Vec<u8>, String> {
    super::finish::deflate(data).ok_or_else(|| "zlib failed to deflate a stream".to_string())
}

/// A stream: its dictionary with the true `/Length`, then its content.
fn stream(out: &mut Vec<u8>, dict: &Dictionary, content: &[u8]) {
    out.extend_from_slice(b"<<");
    for (k, v) in dict.iter().filter(|(k, _)| k.as_slice() != b"Length") {
        entry(out, k, v);
    }
    out.extend_from_slice(b"/Length ");
    push_int(out, content.len() as i64);
    out.extend_from_slice(b">>stream\n");
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream\n");
}

fn entry(out: &mut Vec<u8>, key: &[u8], value: &Object) {
    name(out, key);
    if needs_space(value) {
        out.push(b' ');
    }
    object(out, value);
}

/// Whether `o` must be separated from a name before it (`/N 3`, but `/S/P`, `/K[1]`).
fn needs_space(o: &Object) -> bool {
    matches!(
        o,
        Object::Null | Object::Boolean(_) | Object::Integer(_) | Object::Real(_) | Object::Reference(_)
    )
}

/// Any object but a stream, in PDF syntax.
pub(super) fn object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => push_int(out, *i),
        Object::Real(r) => super::content::push_f32(out, *r),
        Object::Name(n) => name(out, n),
        Object::String(bytes, StringFormat::Literal) => {
            out.push(b'(');
            for &b in bytes {
                match b {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::String(bytes, StringFormat::Hexadecimal) => {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push(b'<');
            for &b in bytes {
                out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 && needs_space(item) {
                    out.push(b' ');
                }
                object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => {
            out.extend_from_slice(b"<<");
            for (k, v) in d.iter() {
                entry(out, k, v);
            }
            out.extend_from_slice(b">>");
        }
        // Streams are indirect objects of their own; lopdf never nests one.
        Object::Stream(_) => out.extend_from_slice(b"null"),
        Object::Reference((id, generation)) => {
            push_int(out, i64::from(*id));
            out.push(b' ');
            push_int(out, i64::from(*generation));
            out.extend_from_slice(b" R");
        }
    }
}

/// A name, with delimiters, white space and bytes outside `!`..`~` as `#XX`.
fn name(out: &mut Vec<u8>, n: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'/');
    for &b in n {
        if b" \t\n\r\x0C()<>[]{}/%#".contains(&b) || !(33..=126).contains(&b) {
            out.extend_from_slice(&[b'#', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else {
            out.push(b);
        }
    }
}

fn push_int(out: &mut Vec<u8>, i: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every kind of object in the syntax lopdf reads back.
    #[test]
    fn writes_objects_lopdf_parses_back() {
        let d = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Annot".to_vec())),
            ("N", Object::Integer(-3)),
            ("R", Object::Real(0.25)),
            ("T", Object::String(b"a(b)c\\d\r".to_vec(), StringFormat::Literal)),
            ("H", Object::String(vec![0xFE, 0xFF, 0, b'x'], StringFormat::Hexadecimal)),
            (
                "A",
                Object::Array(vec![
                    Object::Integer(1),
                    Object::Reference((5, 0)),
                    Object::Null,
                    Object::Boolean(true),
                ]),
            ),
            ("Odd", Object::Name(b"a/b c#".to_vec())),
        ]);
        let mut out = Vec::new();
        object(&mut out, &Object::Dictionary(d.clone()));
        assert_eq!(
            String::from_utf8_lossy(&out),
            "<</Type/Annot/N -3/R 0.25/T(a\\(b\\)c\\\\d\\r)/H<FEFF0078>/A[1 5 0 R null true]/Odd/a#2Fb#20c#23>>"
        );
        let mut doc = lopdf::Document::with_version("1.7");
        let id = doc.add_object(d.clone());
        let page = doc.add_object(lopdf::Stream::new(Dictionary::new(), b"BT ET".to_vec()));
        doc.trailer.set("Root", Object::Reference(id));
        let bytes = save(&doc, &[(9, b"<</S/P>>".to_vec())]).expect("writes");
        let back = lopdf::Document::load_mem(&bytes).expect("lopdf reads it back");
        assert_eq!(back.get_object(id).expect("the dictionary").as_dict().expect("a dictionary"), &d);
        let s = back.get_object(page).expect("the stream").as_stream().expect("a stream");
        let written = back.get_object((9, 0)).expect("the written object").as_dict().expect("a dictionary");
        assert_eq!(written.get(b"S").and_then(Object::as_name).ok(), Some(&b"P"[..]));
        assert_eq!(s.content, b"BT ET");
    }
}
