//! Page content streams, written straight into PDF syntax.
//!
//! printpdf turns a page's `Op`s into lopdf operations and lopdf formats
//! them, one `write!` per byte of every text string: for an annex of a few
//! hundred pages that was half of all the work. The annex draws with ten
//! operators only, so [`Content`] writes them directly, byte for byte as
//! printpdf and lopdf would (operands each followed by a space, operations
//! separated by a newline, numbers in Rust's shortest `f32` form, text as
//! upper-case hexadecimal glyph ids); printpdf still builds the document
//! around these streams (pages, fonts with widths and ToUnicode, image,
//! metadata).
//!
//! Glyph ids are written as ids of the full font while the page is composed
//! (the subset, and with it the final numbering, is known only when every
//! page is done); [`Content::renumber_glyphs`] rewrites them in place, face
//! by face.

use std::io::Write;

/// A straight line from one point to another, in points.
pub type Line = ((f32, f32), (f32, f32));

/// One page's content stream.
#[derive(Debug, Default)]
pub struct Content {
    buf: Vec<u8>,
    /// Where each shown string's hex digits start, and the face (index) it is shown in.
    runs: Vec<(usize, u8)>,
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `v` as Rust's `Display` writes it (the shortest digits that read
/// back as `v`, never an exponent), which is what lopdf writes. ryu finds
/// the same shortest digits several times faster; its spelling differs
/// ("1.0" for "1", an exponent for very large or small numbers), and so does
/// its choice at an exact tie between two shortest candidates (to even,
/// where `Display` rounds up: 4095.90625 is "4095.9062" against
/// "4095.9063"); those cases are left to `Display`. Checked against
/// `Display` for every positive finite `f32` below 1e30 (1.9 billion values).
pub(super) fn push_f32(buf: &mut Vec<u8>, v: f32) {
    let mut ryu = ryu::Buffer::new();
    let s = ryu.format(v).as_bytes();
    let s = s.strip_suffix(b".0").unwrap_or(s);
    let decimals = s.iter().position(|&b| b == b'.').map_or(0, |p| s.len() - p - 1);
    // Exact in f64 for up to 12 decimals (24-bit mantissa times 5^12 < 2^29).
    let tie = || (f64::from(v) * 10f64.powi(decimals as i32)).fract().abs() == 0.5;
    if !v.is_finite() || s.contains(&b'e') || decimals > 12 || tie() {
        // Writing to a Vec cannot fail.
        let _ = write!(buf, "{v}");
    } else {
        buf.extend_from_slice(s);
    }
}

impl Content {
    /// The stream's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Starts an operation: operations are separated by a newline.
    fn start(&mut self) {
        if !self.buf.is_empty() {
            self.buf.push(b'\n');
        }
    }

    fn num(&mut self, v: f32) {
        push_f32(&mut self.buf, v);
        self.buf.push(b' ');
    }

    fn nums(&mut self, vs: &[f32]) {
        for &v in vs {
            self.num(v);
        }
    }

    fn name(&mut self, name: &str) {
        debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric()), "name needs escaping: {name}");
        self.buf.push(b'/');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b' ');
    }

    /// `BT`: opens a text object.
    pub fn begin_text(&mut self) {
        self.start();
        self.buf.extend_from_slice(b"BT");
    }

    /// `ET`: closes the text object.
    pub fn end_text(&mut self) {
        self.start();
        self.buf.extend_from_slice(b"ET");
    }

    /// `Tf`: selects the font resource `name` at `size` points.
    pub fn font(&mut self, name: &str, size: f32) {
        self.start();
        self.name(name);
        self.num(size);
        self.buf.extend_from_slice(b"Tf");
    }

    /// `Td`: moves to the start of the next line, relative to the current one.
    pub fn move_text(&mut self, dx: f32, dy: f32) {
        self.start();
        self.nums(&[dx, dy]);
        self.buf.extend_from_slice(b"Td");
    }

    /// `Tj`: shows glyphs of face number `face`, given as glyph ids of the full font.
    pub fn show(&mut self, face: u8, glyphs: impl IntoIterator<Item = u16>) {
        self.start();
        self.buf.push(b'<');
        self.runs.push((self.buf.len(), face));
        for g in glyphs {
            for b in g.to_be_bytes() {
                self.buf.push(HEX[usize::from(b >> 4)]);
                self.buf.push(HEX[usize::from(b & 15)]);
            }
        }
        self.buf.extend_from_slice(b"> Tj");
    }

    /// `rg`: the fill colour, components in 0..=1.
    pub fn fill_rgb(&mut self, rgb: [f32; 3]) {
        self.start();
        self.nums(&rgb);
        self.buf.extend_from_slice(b"rg");
    }

    /// `RG`: the stroke colour, components in 0..=1.
    pub fn stroke_rgb(&mut self, rgb: [f32; 3]) {
        self.start();
        self.nums(&rgb);
        self.buf.extend_from_slice(b"RG");
    }

    /// `w`: the line width.
    pub fn line_width(&mut self, w: f32) {
        self.start();
        self.num(w);
        self.buf.push(b'w');
    }

    /// `re f`: fills a rectangle (non-zero winding).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.start();
        self.nums(&[x, y, w, h]);
        self.buf.extend_from_slice(b"re\nf");
    }

    /// `m l … S`: strokes an open polyline.
    pub fn polyline(&mut self, points: &[(f32, f32)]) {
        for (i, &(x, y)) in points.iter().enumerate() {
            self.start();
            self.nums(&[x, y]);
            self.buf.push(if i == 0 { b'm' } else { b'l' });
        }
        if !points.is_empty() {
            self.start();
            self.buf.push(b'S');
        }
    }

    /// `m l … m l S`: strokes separate straight lines as one path.
    pub fn segments(&mut self, lines: &[Line]) {
        for &((x0, y0), (x1, y1)) in lines {
            self.start();
            self.nums(&[x0, y0]);
            self.buf.push(b'm');
            self.start();
            self.nums(&[x1, y1]);
            self.buf.push(b'l');
        }
        if !lines.is_empty() {
            self.start();
            self.buf.push(b'S');
        }
    }

    /// `q cm Do Q`: paints the image XObject `name` with the matrix `m`.
    pub fn image(&mut self, name: &str, m: [f32; 6]) {
        self.start();
        self.buf.push(b'q');
        self.start();
        self.nums(&m);
        self.buf.extend_from_slice(b"cm");
        self.start();
        self.name(name);
        self.buf.extend_from_slice(b"Do");
        self.start();
        self.buf.push(b'Q');
    }

    /// `BDC`: opens a marked-content sequence of structure type `role`
    /// (`/P <</MCID 3>> BDC`), the `mcid`-th of its page.
    pub fn begin_marked(&mut self, role: &str, mcid: u32) {
        // Delimiters need no spaces around them: one of these per table cell.
        self.start();
        self.buf.push(b'/');
        self.buf.extend_from_slice(role.as_bytes());
        self.buf.extend_from_slice(b"<</MCID ");
        self.buf.extend_from_slice(itoa::Buffer::new().format(mcid).as_bytes());
        self.buf.extend_from_slice(b">>BDC");
    }

    /// `BMC` or `BDC`: opens an artifact, content that is not part of the
    /// document's logical structure (`/Artifact BMC`), or page furniture of
    /// a kind (`/Artifact <</Type /Pagination /Subtype /Header>> BDC`).
    pub fn begin_artifact(&mut self, pagination: Option<&str>) {
        self.start();
        match pagination {
            None => self.buf.extend_from_slice(b"/Artifact BMC"),
            Some(subtype) => {
                self.buf.extend_from_slice(b"/Artifact <</Type /Pagination /Subtype ");
                self.name(subtype);
                self.buf.extend_from_slice(b">> BDC");
            }
        }
    }

    /// `EMC`: closes the innermost marked-content sequence.
    pub fn end_marked(&mut self) {
        self.start();
        self.buf.extend_from_slice(b"EMC");
    }

    /// Renumbers every glyph id shown, face by face (see [`Renumbering`]).
    pub fn renumber_glyphs(&mut self, r: &Renumbering) {
        for &(start, face) in &self.runs {
            let map = r.hex.get(usize::from(face)).map_or(&[][..], Vec::as_slice);
            let mut i = start;
            while self.buf[i] != b'>' {
                let q = &mut self.buf[i..i + 4];
                let hi = r.byte[usize::from(u16::from_be_bytes([q[0], q[1]]))];
                let lo = r.byte[usize::from(u16::from_be_bytes([q[2], q[3]]))];
                let old = usize::from(u16::from_be_bytes([hi, lo]));
                q.copy_from_slice(map.get(old).unwrap_or(b"0000"));
                i += 4;
            }
        }
        self.runs.clear();
    }
}

/// Full-font glyph id → subset glyph id, per face, ready to rewrite hex digits.
pub struct Renumbering {
    /// Two hex digits (as a big-endian `u16` of their ASCII codes) → their byte.
    byte: Vec<u8>,
    /// Per face: old id → the new id's four hex digits.
    hex: Vec<Vec<[u8; 4]>>,
}

impl Renumbering {
    /// From one map per face (`maps[f][old] = new`; ids beyond a map become 0, `.notdef`).
    pub fn new(maps: &[&[u16]]) -> Self {
        let mut byte = vec![0u8; 1 << 16];
        for v in 0..=255u8 {
            let pair = [HEX[usize::from(v >> 4)], HEX[usize::from(v & 15)]];
            byte[usize::from(u16::from_be_bytes(pair))] = v;
        }
        let h = |x: u8| HEX[usize::from(x)];
        let hex = maps
            .iter()
            .map(|m| {
                m.iter()
                    .map(|&g| {
                        let [a, b] = g.to_be_bytes();
                        [h(a >> 4), h(a & 15), h(b >> 4), h(b & 15)]
                    })
                    .collect()
            })
            .collect();
        Renumbering { byte, hex }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same operations through printpdf and lopdf: the reference this
    /// writer must match byte for byte (the annex digests depend on it).
    fn reference(ops: Vec<printpdf::Op>) -> Vec<u8> {
        use printpdf::{PdfDocument, PdfPage, PdfSaveOptions};
        let mut doc = PdfDocument::new("t");
        doc.pages = vec![PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops)];
        let opts =
            PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
        let lo = doc.to_lopdf_document(&opts, &mut Vec::new());
        let page = *lo.get_pages().values().next().expect("a page");
        let contents =
            lo.get_dictionary(page).and_then(|d| d.get(b"Contents")).and_then(|o| o.as_reference());
        lo.get_object(contents.expect("contents"))
            .and_then(|o| o.as_stream())
            .expect("stream")
            .content
            .clone()
    }

    #[test]
    fn writes_what_printpdf_and_lopdf_write() {
        use printpdf::{Color, Line, LinePoint, Op, PaintMode, Point, Pt, Rect, Rgb, TextItem, WindingOrder};
        let rgb = |r: u8, g: u8, b: u8| [f32::from(r) / 255.0, f32::from(g) / 255.0, f32::from(b) / 255.0];
        let col = |c: [f32; 3]| Color::Rgb(Rgb { r: c[0], g: c[1], b: c[2], icc_profile: None });
        let (a, b) = (rgb(0x1F, 0x3A, 0x5F), rgb(170, 170, 170));
        let pts = [(56.692_913, 700.123_4), (538.582_6, 700.123_4), (538.582_6, -0.000_1)];

        let mut c = Content::default();
        c.fill_rgb(a);
        c.fill_rect(56.692_913, 650.5, 481.889_76, 19.84);
        c.stroke_rgb(b);
        c.line_width(0.4);
        c.polyline(&pts);
        c.begin_text();
        c.font("DJVSANSB", 8.5);
        c.move_text(59.892_914, 655.333_3);
        c.show(1, [0x0024, 0x1ABC, 0x0003]);
        c.move_text(-3.2e-7, -10.54);
        c.show(0, [0xFFFF]);
        c.end_text();
        c.image("LOGO", [120.5, 0.0, 0.0, 33.25, 450.1, 760.0]);

        let ops = vec![
            Op::SetFillColor { col: col(a) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(56.692_913),
                    y: Pt(650.5),
                    width: Pt(481.889_76),
                    height: Pt(19.84),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
            Op::SetOutlineColor { col: col(b) },
            Op::SetOutlineThickness { pt: Pt(0.4) },
            Op::DrawLine {
                line: Line {
                    points: pts
                        .iter()
                        .map(|&(x, y)| LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false })
                        .collect(),
                    is_closed: false,
                },
            },
            Op::StartTextSection,
            // An unregistered font: printpdf then writes text as WinAnsi bytes
            // ("é" is <E9>), so the glyph strings are swapped in below.
            Op::SetFont {
                font: printpdf::PdfFontHandle::External(printpdf::FontId("DJVSANSB".into())),
                size: Pt(8.5),
            },
            Op::SetTextCursor { pos: Point { x: Pt(59.892_914), y: Pt(655.333_3) } },
            Op::ShowText { items: vec![TextItem::Text("é".into())] },
            Op::SetTextCursor { pos: Point { x: Pt(-3.2e-7), y: Pt(-10.54) } },
            Op::ShowText { items: vec![TextItem::Text("é".into())] },
            Op::EndTextSection,
        ];
        let mut want = reference(ops);
        // printpdf's image op needs a registered image; the four operations are plain.
        want.extend_from_slice(b"\nq\n120.5 0 0 33.25 450.1 760 cm\n/LOGO Do\nQ");
        let want = String::from_utf8(want).expect("ASCII");
        let want = want.replacen("<E9> Tj", "<00241ABC0003> Tj", 1).replacen("<E9> Tj", "<FFFF> Tj", 1);
        assert_eq!(String::from_utf8(c.into_bytes()).expect("ASCII"), want);
    }

    #[test]
    fn numbers_are_spelled_as_display_spells_them() {
        let mut samples: Vec<f32> = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e-7,
            3.2e-7,
            1e-5,
            1e15,
            1e16,
            1e17,
            1e20,
            f32::MAX,
            f32::MIN_POSITIVE,
        ];
        // Exact ties between two shortest candidates.
        samples.extend([0x457f_fe80_u32, 0xca00_d289, 0x3980_0000, 0x3b20_0000].map(f32::from_bits));
        // Every pattern of a few ranges, then a deterministic spread over all finite values.
        samples.extend((0..200_000u32).map(|i| i as f32 / 100.0));
        samples.extend((0..200_000u32).map(|i| 0.001 * i as f32 - 100.0));
        let mut x: u32 = 0x9E37_79B9;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            samples.push(f32::from_bits(x));
        }
        let mut buf = Vec::new();
        for v in samples.into_iter().filter(|v| v.is_finite()) {
            buf.clear();
            push_f32(&mut buf, v);
            assert_eq!(std::str::from_utf8(&buf).expect("ASCII"), v.to_string(), "{:#x}", v.to_bits());
        }
    }

    /// The exhaustive check behind `push_f32` (about 5 minutes on 2 cores):
    /// `cargo test --release --lib -- --ignored every_f32`.
    #[test]
    #[ignore = "exhaustive, minutes"]
    fn every_f32_below_1e30_is_spelled_as_display_spells_it() {
        let limit = 1e30f32.to_bits();
        let bad: u64 = std::thread::scope(|s| {
            let workers: Vec<_> = (0..2u32)
                .map(|t| {
                    s.spawn(move || {
                        let (mut buf, mut bad) = (Vec::new(), 0u64);
                        for bits in (t..limit).step_by(2) {
                            let v = f32::from_bits(bits);
                            buf.clear();
                            push_f32(&mut buf, v);
                            bad += u64::from(buf != v.to_string().into_bytes());
                        }
                        bad
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or(u64::MAX)).sum()
        });
        assert_eq!(bad, 0);
    }

    #[test]
    fn renumbers_glyph_ids_in_place() {
        let mut c = Content::default();
        c.move_text(1.0, 2.0);
        c.show(0, [3, 0x24, 0x1ABC]);
        c.show(0, []);
        c.show(1, [0x24, 3]);
        let mut regular = vec![0u16; 0x1ABD];
        regular[3] = 1;
        regular[0x24] = 2;
        regular[0x1ABC] = 0xBEEF;
        let bold = [0, 0, 0, 7];
        c.renumber_glyphs(&Renumbering::new(&[&regular, &bold]));
        assert_eq!(c.into_bytes(), b"1 2 Td\n<00010002BEEF> Tj\n<> Tj\n<00000007> Tj");
    }

    #[test]
    fn writes_marked_content_and_artifacts() {
        let mut c = Content::default();
        c.begin_marked("TD", 12);
        c.end_marked();
        c.begin_artifact(None);
        c.end_marked();
        c.begin_artifact(Some("Footer"));
        c.end_marked();
        let want = "/TD<</MCID 12>>BDC\nEMC\n/Artifact BMC\nEMC\n/Artifact <</Type /Pagination /Subtype /Footer >> BDC\nEMC";
        assert_eq!(String::from_utf8(c.into_bytes()).expect("ASCII"), want);
    }
}
