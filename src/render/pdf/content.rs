//! Page content streams, written straight into PDF syntax.
//!
//! printpdf turns a page's `Op`s into lopdf operations and lopdf formats
//! them, one `write!` per byte of every text string: for an annex of a few
//! hundred pages that was half of all the work. The annex draws with a
//! dozen operators only, so [`Content`] writes them directly: operands each
//! followed by a space, operations separated by a newline, positions and
//! lengths to a hundredth of a point and colours to a thousandth (what no
//! printer shows; shorter numbers are less to write and to compress), text
//! as literal strings of two-byte glyph ids (half the bytes of hexadecimal,
//! which dominated the streams). printpdf still builds the document around
//! these streams (pages, fonts with widths and ToUnicode, image, metadata).
//!
//! Glyph ids are held as ids of the full font while the page is composed
//! (the subset, and with it the final numbering, is known only when every
//! page is done); [`Content::finish`] renumbers them, face by face, and
//! escapes what a literal string must escape.

use std::io::Write;

/// A straight line from one point to another, in points.
pub type Line = ((f32, f32), (f32, f32));

/// One page's content stream.
#[derive(Debug, Default)]
pub struct Content {
    buf: Vec<u8>,
    /// Each shown string: where its glyph ids start in `buf`, how many there
    /// are, and the face (index) they are shown in.
    runs: Vec<(usize, usize, u8)>,
}

/// `v` to a hundredth (positions and lengths) or a thousandth (colour components).
fn rounded(v: f32, scale: f32) -> f32 {
    (v * scale).round() / scale
}

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

/// Appends `v` rounded to `D` decimals (2 or 3) exactly as
/// `push_f32(rounded(v, 10^D))` would, without the shortest-digits search:
/// for a rounded value `k / 10^D` under [`FIXED_LIMIT`], those digits are
/// `k`'s, a point before the last `D`, trailing zeros dropped (checked for
/// every `k` in that range by a test). A page's numbers are all such
/// values, and were a tenth of the annex's rendering time in `ryu`.
fn push_rounded<const D: u32>(buf: &mut Vec<u8>, v: f32) {
    let scale = 10u32.pow(D);
    let k = (v * scale as f32).round();
    if k.is_nan() || k.abs() >= FIXED_LIMIT || (k == 0.0 && k.is_sign_negative()) {
        push_f32(buf, rounded(v, scale as f32));
        return;
    }
    let k = k as i32;
    if k < 0 {
        buf.push(b'-');
    }
    let (whole, mut frac) = (k.unsigned_abs() / scale, k.unsigned_abs() % scale);
    buf.extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
    if frac != 0 {
        let mut digits = D;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        let mut text = itoa::Buffer::new();
        let text = text.format(frac).as_bytes();
        buf.push(b'.');
        buf.extend(std::iter::repeat_n(b'0', digits as usize - text.len()));
        buf.extend_from_slice(text);
    }
}

/// Rounded values `k` (in units of the last decimal) below this take
/// [`push_rounded`]'s short path: 10,000 points at two decimals.
const FIXED_LIMIT: f32 = 1_000_000.0;

impl Content {
    /// The stream's bytes as composed, glyph ids unnumbered and unescaped
    /// (for tests of the operators; a page's stream is [`Content::finish`]).
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Starts an operation: operations are separated by a newline.
    fn start(&mut self) {
        if !self.buf.is_empty() {
            self.buf.push(b'\n');
        }
    }

    /// A position or a length, to a hundredth of a point.
    fn num(&mut self, v: f32) {
        push_rounded::<2>(&mut self.buf, v);
        self.buf.push(b' ');
    }

    fn nums(&mut self, vs: &[f32]) {
        for &v in vs {
            self.num(v);
        }
    }

    /// Colour components, to a thousandth (a 255th is the smallest step).
    fn colour(&mut self, rgb: [f32; 3]) {
        for v in rgb {
            push_rounded::<3>(&mut self.buf, v);
            self.buf.push(b' ');
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
    /// The caller keeps the absolute positions on the hundredth grid, so
    /// that relative moves add up without drift.
    pub fn move_text(&mut self, dx: f32, dy: f32) {
        self.start();
        self.nums(&[dx, dy]);
        self.buf.extend_from_slice(b"Td");
    }

    /// `Tj`: shows glyphs of face number `face`, given as glyph ids of the full font.
    pub fn show(&mut self, face: u8, glyphs: impl IntoIterator<Item = u16>) {
        self.start();
        self.buf.push(b'(');
        let start = self.buf.len();
        for g in glyphs {
            self.buf.extend_from_slice(&g.to_be_bytes());
        }
        self.runs.push((start, (self.buf.len() - start) / 2, face));
        self.buf.extend_from_slice(b") Tj");
    }

    /// `rg`: the fill colour, components in 0..=1.
    pub fn fill_rgb(&mut self, rgb: [f32; 3]) {
        self.start();
        self.colour(rgb);
        self.buf.extend_from_slice(b"rg");
    }

    /// `RG`: the stroke colour, components in 0..=1.
    pub fn stroke_rgb(&mut self, rgb: [f32; 3]) {
        self.start();
        self.colour(rgb);
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

    /// The finished stream: every glyph id shown renumbered to its face's
    /// subset (see [`Renumbering`]), and `(`, `)`, `\\` and CR escaped, as a
    /// literal string needs (a CR unescaped would be read as a line feed).
    pub fn finish(self, r: &Renumbering) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buf.len() + self.buf.len() / 32);
        let mut at = 0;
        for &(start, glyphs, face) in &self.runs {
            out.extend_from_slice(&self.buf[at..start]);
            let map = r.maps.get(usize::from(face)).map_or(&[][..], Vec::as_slice);
            for pair in self.buf[start..start + 2 * glyphs].chunks_exact(2) {
                let old = usize::from(u16::from_be_bytes([pair[0], pair[1]]));
                for b in map.get(old).copied().unwrap_or(0).to_be_bytes() {
                    match b {
                        b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(b),
                    }
                }
            }
            at = start + 2 * glyphs;
        }
        out.extend_from_slice(&self.buf[at..]);
        out
    }
}

/// Full-font glyph id → subset glyph id, per face.
pub struct Renumbering {
    /// Per face: old id → new id (ids beyond a map become 0, `.notdef`).
    maps: Vec<Vec<u16>>,
}

impl Renumbering {
    /// From one map per face (`maps[f][old] = new`).
    pub fn new(maps: &[&[u16]]) -> Self {
        Renumbering { maps: maps.iter().map(|m| m.to_vec()).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operator, read back by lopdf's content parser with the operands
    /// written: positions rounded to a hundredth, colours to a thousandth,
    /// glyph ids as two-byte strings.
    #[test]
    fn writes_operators_lopdf_reads_back() {
        use lopdf::Object;
        let mut c = Content::default();
        c.fill_rgb([0.101_960_786, 0.5, 1.0]);
        c.fill_rect(56.692_913, 650.5, 481.889_76, 19.84);
        c.stroke_rgb([0.0, 0.25, 0.75]);
        c.line_width(0.4);
        c.polyline(&[(56.692_913, 700.123_4), (538.582_6, 700.123_4)]);
        c.segments(&[((1.0, 2.0), (3.0, 4.0)), ((5.0, 6.0), (7.0, 8.0))]);
        c.begin_text();
        c.font("DJVSANSB", 8.5);
        c.move_text(59.892_914, -10.539_978);
        c.show(1, [0x0024, 0x1ABC]);
        c.end_text();
        c.image("LOGO", [120.5, 0.0, 0.0, 33.25, 450.1, 760.0]);
        let mut maps = vec![vec![0u16; 0x1ABD]; 2];
        maps[1][0x24] = 0x0028; // '(' as the high byte's partner: must be escaped
        maps[1][0x1ABC] = 0x0D5C; // a CR and a backslash
        let bytes = c.finish(&Renumbering::new(&[&maps[0], &maps[1]]));
        let ops = lopdf::content::Content::decode(&bytes).expect("lopdf parses the stream").operations;
        let names: Vec<&str> = ops.iter().map(|o| o.operator.as_str()).collect();
        assert_eq!(
            names,
            [
                "rg", "re", "f", "RG", "w", "m", "l", "S", "m", "l", "m", "l", "S", "BT", "Tf", "Td", "Tj",
                "ET", "q", "cm", "Do", "Q"
            ]
        );
        let num = |o: &Object| match o {
            Object::Integer(i) => *i as f32,
            Object::Real(r) => *r,
            other => panic!("{other:?}"),
        };
        assert_eq!(ops[0].operands.iter().map(num).collect::<Vec<_>>(), [0.102, 0.5, 1.0]);
        assert_eq!(ops[1].operands.iter().map(num).collect::<Vec<_>>(), [56.69, 650.5, 481.89, 19.84]);
        assert_eq!(ops[15].operands.iter().map(num).collect::<Vec<_>>(), [59.89, -10.54]);
        assert_eq!(
            ops[16].operands[0],
            Object::String(vec![0x00, 0x28, 0x0D, 0x5C], lopdf::StringFormat::Literal)
        );
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

    #[test]
    fn rounded_numbers_are_spelled_as_push_f32_spells_them() {
        fn check<const D: u32>(k: f32) {
            let scale = 10f32.powi(D as i32);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            // A value that rounds to k, the way the content stream's callers pass it.
            let v = k / scale;
            push_rounded::<D>(&mut fast, v);
            push_f32(&mut slow, rounded(v, scale));
            assert_eq!(fast, slow, "k = {k}, D = {D}");
        }
        // Every k of the short path and a few beyond it, at both precisions.
        for k in -1_000_010..=1_000_010 {
            check::<2>(k as f32);
            check::<3>(k as f32);
        }
        for v in [-0.0, -0.001, -0.004, 0.004, 0.005, 1e12, -1e12, f32::MAX, f32::NAN, f32::INFINITY] {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            push_rounded::<2>(&mut fast, v);
            push_f32(&mut slow, rounded(v, 100.0));
            assert_eq!(fast, slow, "{v}");
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
    fn renumbers_glyph_ids_and_escapes_them() {
        let mut c = Content::default();
        c.move_text(1.0, 2.0);
        c.show(0, [3, 0x24, 0x1ABC]);
        c.show(0, []);
        c.show(1, [0x24, 3]);
        let mut regular = vec![0u16; 0x1ABD];
        regular[3] = 1;
        regular[0x24] = 2;
        regular[0x1ABC] = 0x285C; // '(' and '\\'
        let bold = [0, 0, 0, 0x0D07]; // CR
        let out = c.finish(&Renumbering::new(&[&regular, &bold]));
        assert_eq!(out, b"1 2 Td\n(\x00\x01\x00\x02\\(\\\\) Tj\n() Tj\n(\x00\x00\\r\x07) Tj");
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
