//! An independent reader for the annexes: pages, the text runs drawn on
//! them (decoded through each font's `/ToUnicode` CMap, placed by the text
//! and graphics state, measured by the font's `/W` widths) and the outline.
//! It relies on lopdf only for parsing objects and content streams.

use std::collections::BTreeMap;
use std::path::Path;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// One string shown by `Tj`/`TJ` (or `'`/`"`): where, in which face, how wide.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// The decoded text.
    pub(crate) text: String,
    /// The font's `/BaseFont`, subset tag included.
    pub(crate) font: String,
    /// The font size from `Tf`, scaled by the text and current matrices.
    pub(crate) size: f32,
    /// Start of the baseline, in page space.
    pub(crate) x: f32,
    /// The baseline, in page space.
    pub(crate) y: f32,
    /// Advance width from the font's `/W` array, in page space.
    pub(crate) width: f32,
    /// The marked-content sequence the run is shown in (the innermost).
    pub(crate) mark: Marked,
}

/// What a piece of content is, for the logical structure of a tagged PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marked {
    /// Outside any marked-content sequence.
    Unmarked,
    /// Inside an `/Artifact` sequence.
    Artifact,
    /// Inside a sequence with this MCID (content of a structure element).
    Content(u32),
    /// Inside a marked-content sequence that is neither.
    Other,
}

impl Run {
    /// Whether the run is set in the bold face.
    pub(crate) fn bold(&self) -> bool {
        self.font.ends_with("-Bold")
    }
}

/// A stroked straight line, in page space.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// One page: its size, its text runs in drawing order and its stroked lines.
pub(crate) struct Page {
    pub(crate) id: ObjectId,
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) runs: Vec<Run>,
    pub(crate) rules: Vec<Rule>,
    /// The MCIDs of the page's marked-content sequences, in stream order.
    pub(crate) mcids: Vec<u32>,
    /// Paths painted and images drawn outside any marked-content sequence.
    pub(crate) unmarked_graphics: usize,
}

impl Page {
    /// Every run's text joined by single spaces, white space collapsed.
    pub(crate) fn text(&self) -> String {
        collapse(&self.runs.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join(" "))
    }
}

/// One outline item with its destination.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) title: String,
    /// 0-based page index of the `/Dest`.
    pub(crate) page: usize,
    /// The `/XYZ` top of the destination.
    pub(crate) y: f32,
    pub(crate) kids: Vec<Item>,
}

/// A PDF file read back.
pub(crate) struct Pdf {
    pub(crate) bytes: Vec<u8>,
    pub(crate) doc: Document,
    pub(crate) pages: Vec<Page>,
}

/// A Type0 font as the page resources describe it.
struct Font {
    base: String,
    /// Bytes per character code (from the CMap's codespace range).
    code_len: usize,
    to_unicode: BTreeMap<u32, String>,
    /// Glyph widths in 1/1000 em, by CID (= code for Identity-H).
    widths: BTreeMap<u32, f32>,
    default_width: f32,
}

/// White space runs collapsed to one space, ends trimmed.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        other => panic!("expected a number, found {other:?}"),
    }
}

/// A PDF text string (UTF-16BE with BOM, or PDFDocEncoding for ASCII).
pub(crate) fn text_string(o: &Object) -> String {
    let Object::String(b, _) = o else { panic!("expected a string, found {o:?}") };
    if b.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = b[2..].chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16(&units).expect("valid UTF-16 text string")
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// An affine matrix `[a b c d e f]`.
#[derive(Clone, Copy, Debug)]
struct M([f32; 6]);

impl M {
    const ID: M = M([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    fn of(ops: &[Object]) -> M {
        let v: Vec<f32> = ops.iter().map(num).collect();
        M([v[0], v[1], v[2], v[3], v[4], v[5]])
    }
    /// `self × other` (apply self, then other).
    fn then(self, o: M) -> M {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        M([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }
    fn translate(x: f32, y: f32) -> M {
        M([1.0, 0.0, 0.0, 1.0, x, y])
    }
}

impl Pdf {
    /// Reads `path`; panics with the reason when it is not a readable PDF.
    pub(crate) fn open(path: &Path) -> Pdf {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let doc = Document::load_mem(&bytes).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
        let mut pages = Vec::new();
        for (_, id) in doc.get_pages() {
            pages.push(read_page(&doc, id));
        }
        Pdf { bytes, doc, pages }
    }

    pub(crate) fn catalog(&self) -> &Dictionary {
        self.doc.catalog().expect("a catalog")
    }

    pub(crate) fn info(&self) -> &Dictionary {
        let id = self.doc.trailer.get(b"Info").and_then(Object::as_reference).expect("/Info in the trailer");
        self.doc.get_dictionary(id).expect("/Info dictionary")
    }

    /// Follows a reference (or returns the object itself).
    pub(crate) fn deref<'a>(&'a self, o: &'a Object) -> &'a Object {
        match o {
            Object::Reference(id) => self.doc.get_object(*id).expect("a referenced object"),
            o => o,
        }
    }

    pub(crate) fn dict<'a>(&'a self, o: &'a Object) -> &'a Dictionary {
        match self.deref(o) {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            other => panic!("expected a dictionary, found {other:?}"),
        }
    }

    /// A stream's content, decompressed when it is filtered.
    pub(crate) fn stream_bytes(&self, o: &Object) -> Vec<u8> {
        let Object::Stream(s) = self.deref(o) else { panic!("expected a stream") };
        if s.dict.has(b"Filter") { s.decompressed_content().expect("decompress") } else { s.content.clone() }
    }

    /// The text of the whole document: pages joined by spaces.
    pub(crate) fn text(&self) -> String {
        self.pages.iter().map(Page::text).collect::<Vec<_>>().join(" ")
    }

    /// Every `Type0` font object of the file.
    pub(crate) fn type0_fonts(&self) -> Vec<&Dictionary> {
        self.doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| {
                d.has_type(b"Font") && d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0")
            })
            .collect()
    }

    /// The outline tree, items in the order `/First` → `/Next` gives them.
    pub(crate) fn outline(&self) -> Vec<Item> {
        let index: BTreeMap<ObjectId, usize> =
            self.pages.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let Ok(root) = self.catalog().get(b"Outlines") else { return Vec::new() };
        self.items(self.dict(root), &index)
    }

    fn items(&self, parent: &Dictionary, index: &BTreeMap<ObjectId, usize>) -> Vec<Item> {
        let mut out = Vec::new();
        let mut next = parent.get(b"First").ok();
        while let Some(r) = next {
            let d = self.dict(r);
            let dest = self
                .deref(d.get(b"Dest").expect("every outline item has a /Dest"))
                .as_array()
                .expect("/Dest array");
            let page_id = dest[0].as_reference().expect("/Dest page reference");
            assert_eq!(dest[1].as_name().expect("/Dest kind"), b"XYZ");
            assert!(dest.len() == 5 && dest[2] == Object::Null && dest[4] == Object::Null, "/Dest {dest:?}");
            out.push(Item {
                title: text_string(d.get(b"Title").expect("/Title")),
                page: index[&page_id],
                y: num(&dest[3]),
                kids: self.items(d, index),
            });
            next = d.get(b"Next").ok();
        }
        out
    }
}

fn read_page(doc: &Document, id: ObjectId) -> Page {
    let page = doc.get_dictionary(id).expect("page dictionary");
    let mut node = page;
    let media = loop {
        if let Ok(m) = node.get(b"MediaBox") {
            break m.as_array().expect("MediaBox array").iter().map(num).collect::<Vec<_>>();
        }
        let parent =
            node.get(b"Parent").and_then(Object::as_reference).expect("MediaBox on the page or a parent");
        node = doc.get_dictionary(parent).expect("parent dictionary");
    };
    let fonts: BTreeMap<Vec<u8>, Font> = doc
        .get_page_fonts(id)
        .expect("page fonts")
        .into_iter()
        .map(|(name, d)| (name, read_font(doc, d)))
        .collect();
    let content = Content::decode(&doc.get_page_content(id)).expect("content stream parses");
    let shown = show(&content, &fonts);
    Page {
        id,
        width: media[2] - media[0],
        height: media[3] - media[1],
        runs: shown.runs,
        rules: shown.rules,
        mcids: shown.mcids,
        unmarked_graphics: shown.unmarked_graphics,
    }
}

fn read_font(doc: &Document, d: &Dictionary) -> Font {
    let base = String::from_utf8_lossy(d.get(b"BaseFont").and_then(Object::as_name).expect("/BaseFont"))
        .into_owned();
    let deref = |o: &Object| -> Object {
        match o {
            Object::Reference(r) => doc.get_object(*r).expect("referenced object").clone(),
            o => o.clone(),
        }
    };
    let cmap = match d.get(b"ToUnicode").map(deref) {
        Ok(Object::Stream(s)) => {
            let bytes =
                if s.dict.has(b"Filter") { s.decompressed_content().expect("decompress") } else { s.content };
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => String::new(),
    };
    let (code_len, to_unicode) = parse_cmap(&cmap);
    let mut widths = BTreeMap::new();
    let mut default_width = 1000.0;
    if let Ok(Object::Array(desc)) = d.get(b"DescendantFonts").map(deref)
        && let Some(Object::Dictionary(cid)) = desc.first().map(deref)
    {
        if let Ok(dw) = cid.get(b"DW") {
            default_width = num(dw);
        }
        if let Ok(Object::Array(w)) = cid.get(b"W").map(deref) {
            let mut i = 0;
            while i < w.len() {
                let first = num(&w[i]) as u32;
                match deref(&w[i + 1]) {
                    Object::Array(list) => {
                        for (k, v) in list.iter().enumerate() {
                            widths.insert(first + k as u32, num(v));
                        }
                        i += 2;
                    }
                    last => {
                        for c in first..=num(&last) as u32 {
                            widths.insert(c, num(&w[i + 2]));
                        }
                        i += 3;
                    }
                }
            }
        }
    }
    Font { base, code_len, to_unicode, widths, default_width }
}

/// Parses a ToUnicode CMap: the code length and every `bfchar`/`bfrange` mapping.
fn parse_cmap(text: &str) -> (usize, BTreeMap<u32, String>) {
    #[derive(PartialEq)]
    enum Tok {
        Hex(Vec<u8>),
        Open,
        Close,
        Word(String),
    }
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                let mut hex = String::new();
                for h in chars.by_ref() {
                    if h == '>' {
                        break;
                    }
                    if !h.is_whitespace() {
                        hex.push(h);
                    }
                }
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..(i + 2).min(hex.len())], 16).expect("hex in CMap"))
                    .collect();
                toks.push(Tok::Hex(bytes));
            }
            '[' => toks.push(Tok::Open),
            ']' => toks.push(Tok::Close),
            c if c.is_whitespace() => {}
            c => {
                let mut w = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || "<[]/".contains(n) {
                        break;
                    }
                    w.push(n);
                    chars.next();
                }
                toks.push(Tok::Word(w));
            }
        }
    }
    let utf16 = |b: &[u8]| -> String {
        let units: Vec<u16> =
            b.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
        String::from_utf16_lossy(&units)
    };
    let code = |b: &[u8]| b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
    let mut code_len = 2;
    let mut map = BTreeMap::new();
    let mut i = 0;
    let mut section = "";
    while i < toks.len() {
        match &toks[i] {
            Tok::Word(w) if w.starts_with("begin") || w.starts_with("end") => {
                section = match w.as_str() {
                    "begincodespacerange" => "space",
                    "beginbfchar" => "char",
                    "beginbfrange" => "range",
                    _ => "",
                };
                i += 1;
            }
            Tok::Hex(lo) if section == "space" => {
                code_len = lo.len();
                i += 2;
            }
            Tok::Hex(src) if section == "char" => {
                let Tok::Hex(dst) = &toks[i + 1] else { panic!("bfchar without a destination") };
                map.insert(code(src), utf16(dst));
                i += 2;
            }
            Tok::Hex(lo) if section == "range" => {
                let Tok::Hex(hi) = &toks[i + 1] else { panic!("bfrange without an upper bound") };
                let (lo, hi) = (code(lo), code(hi));
                match &toks[i + 2] {
                    Tok::Hex(dst) => {
                        // Consecutive codes map to consecutive values (last unit incremented).
                        let mut units: Vec<u16> = dst
                            .chunks(2)
                            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                            .collect();
                        for c in lo..=hi {
                            map.insert(c, String::from_utf16_lossy(&units));
                            if let Some(last) = units.last_mut() {
                                *last = last.wrapping_add(1);
                            }
                        }
                        i += 3;
                    }
                    Tok::Open => {
                        let mut k = i + 3;
                        let mut c = lo;
                        while let Tok::Hex(dst) = &toks[k] {
                            map.insert(c, utf16(dst));
                            c += 1;
                            k += 1;
                        }
                        assert!(toks[k] == Tok::Close, "unterminated bfrange array");
                        i = k + 1;
                    }
                    _ => panic!("malformed bfrange"),
                }
            }
            _ => i += 1,
        }
    }
    (code_len, map)
}

/// What one content stream shows.
struct Shown {
    runs: Vec<Run>,
    rules: Vec<Rule>,
    mcids: Vec<u32>,
    unmarked_graphics: usize,
}

/// Interprets the text, graphics state, line and marked-content operators
/// of one content stream.
fn show(content: &Content, fonts: &BTreeMap<Vec<u8>, Font>) -> Shown {
    let mut runs = Vec::new();
    let mut rules = Vec::new();
    let mut marks: Vec<Marked> = Vec::new();
    let mut mcids = Vec::new();
    let mut unmarked_graphics = 0;
    let mut path: Vec<Rule> = Vec::new();
    let mut at = (0.0f32, 0.0f32);
    let mut ctm = M::ID;
    let mut stack = Vec::new();
    let (mut tm, mut tlm) = (M::ID, M::ID);
    let mut font: Option<&Font> = None;
    let mut size = 0.0f32;
    let (mut tc, mut tw, mut tl, mut tz) = (0.0f32, 0.0f32, 0.0f32, 1.0f32);
    for op in &content.operations {
        let o = &op.operands;
        let mark = marks.last().copied().unwrap_or(Marked::Unmarked);
        match op.operator.as_str() {
            "BMC" | "BDC" => {
                let tag = o[0].as_name().expect("marked-content tag");
                let mcid = o.get(1).and_then(|p| p.as_dict().ok()).and_then(|d| d.get(b"MCID").ok());
                marks.push(match (tag, mcid) {
                    (b"Artifact", _) => Marked::Artifact,
                    (_, Some(Object::Integer(n))) => {
                        mcids.push(*n as u32);
                        Marked::Content(*n as u32)
                    }
                    _ => Marked::Other,
                });
            }
            "EMC" => {
                marks.pop().expect("EMC without BMC/BDC");
            }
            "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "Do" if mark == Marked::Unmarked => {
                unmarked_graphics += 1;
                if matches!(op.operator.as_str(), "S" | "s") {
                    rules.append(&mut path);
                } else {
                    path.clear();
                }
            }
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().expect("balanced q/Q"),
            "cm" => ctm = M::of(o).then(ctm),
            "m" | "l" => {
                let p = M::translate(num(&o[0]), num(&o[1])).then(ctm);
                let p = (p.0[4], p.0[5]);
                if op.operator == "l" {
                    path.push(Rule { x0: at.0, y0: at.1, x1: p.0, y1: p.1 });
                }
                at = p;
            }
            "S" | "s" => rules.append(&mut path),
            "n" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "re" => path.clear(),
            "BT" => (tm, tlm) = (M::ID, M::ID),
            "Tf" => {
                let name = o[0].as_name().expect("font name");
                font = Some(
                    fonts.get(name).unwrap_or_else(|| panic!("font {name:?} not in the page resources")),
                );
                size = num(&o[1]);
            }
            "Tc" => tc = num(&o[0]),
            "Tw" => tw = num(&o[0]),
            "Tz" => tz = num(&o[0]) / 100.0,
            "TL" => tl = num(&o[0]),
            "Td" | "TD" => {
                if op.operator == "TD" {
                    tl = -num(&o[1]);
                }
                tlm = M::translate(num(&o[0]), num(&o[1])).then(tlm);
                tm = tlm;
            }
            "Tm" => (tm, tlm) = (M::of(o), M::of(o)),
            "T*" => {
                tlm = M::translate(0.0, -tl).then(tlm);
                tm = tlm;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                if op.operator != "Tj" && op.operator != "TJ" {
                    tlm = M::translate(0.0, -tl).then(tlm);
                    tm = tlm;
                }
                let f = font.expect("text shown before Tf");
                let items: Vec<Object> = match op.operator.as_str() {
                    "TJ" => o[0].as_array().expect("TJ array").clone(),
                    "\"" => vec![o[2].clone()],
                    _ => vec![o[0].clone()],
                };
                let start = tm.then(ctm);
                let mut text = String::new();
                let mut advance = 0.0f32; // in unscaled text space
                for item in &items {
                    match item {
                        Object::String(bytes, _) => {
                            for chunk in bytes.chunks(f.code_len) {
                                let code = chunk.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
                                let s = f.to_unicode.get(&code).map_or("\u{FFFD}", String::as_str);
                                text.push_str(s);
                                let w = f.widths.get(&code).copied().unwrap_or(f.default_width);
                                let word = if f.code_len == 1 && code == 32 { tw } else { 0.0 };
                                advance += (w / 1000.0 * size + tc + word) * tz;
                            }
                        }
                        n => advance -= num(n) / 1000.0 * size * tz,
                    }
                }
                // Page-space size and width: scale by the vertical and horizontal factors.
                let sy = (start.0[2].powi(2) + start.0[3].powi(2)).sqrt();
                let sx = (start.0[0].powi(2) + start.0[1].powi(2)).sqrt();
                runs.push(Run {
                    text,
                    font: f.base.clone(),
                    size: size * sy,
                    x: start.0[4],
                    y: start.0[5],
                    width: advance * sx,
                    mark,
                });
                tm = M::translate(advance, 0.0).then(tm);
            }
            _ => {}
        }
    }
    assert!(marks.is_empty(), "a marked-content sequence left open at the end of the page");
    Shown { runs, rules, mcids, unmarked_graphics }
}
