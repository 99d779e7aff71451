//! From composed pages to PDF bytes: printpdf builds the document (pages,
//! fonts with their widths and ToUnicode maps, image, properties) around our
//! own page content streams (see [`super::content`]); lopdf then adds what printpdf 0.12 lacks or gets wrong for an archive
//! (see notes: no subsetting without `text_layout`, a bogus PDF/X key, no
//! XMP, no `/Lang`, a flat re-sorted outline, process-global random ids).

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use printpdf::{FontId, Op, PdfDocument, PdfFont, PdfPage, PdfSaveOptions, TextItem};
use sha2::{Digest, Sha256};

use super::content::Renumbering;
use super::flow::{Composed, FONT_BOLD, FONT_REGULAR, LOGO, Mark};
use crate::fonts::{self, Face};
use crate::layout::Layout;
use crate::model::{Date, Lang};

/// What a PDF says about itself: its document properties and XMP, and what
/// its trailer id is derived from.
pub(super) struct Meta<'a> {
    /// The document title (`/Title`, `dc:title`).
    pub(super) title: &'a str,
    /// `/Subject`, `dc:description`.
    pub(super) subject: String,
    /// `/Keywords`, in order.
    pub(super) keywords: Vec<String>,
    /// The document's language (`/Lang`).
    pub(super) lang: &'a Lang,
    /// The only date the file carries: creation and modification date.
    pub(super) date: Date,
    /// The producing tool's name and version (author, creator, producer).
    pub(super) tool: &'a str,
    /// What, besides the fonts, makes this document differ from any other:
    /// fed into the trailer `/ID` (e.g. the source file's SHA-256).
    pub(super) seed: Vec<&'a str>,
    /// Files embedded as associated files; any makes the file PDF/A-3.
    pub(super) attachments: Vec<Attachment>,
}

/// An attachment's content.
pub(super) enum Body {
    /// The file's bytes, deflated with the document's other streams.
    Plain(Vec<u8>),
    /// The file deflated once for every document that embeds it
    /// ([`packed`]): `size` bytes before deflating.
    Packed { size: usize, deflated: std::sync::Arc<Vec<u8>> },
}

impl Body {
    /// The file's size in bytes (`/Params /Size`).
    fn size(&self) -> usize {
        match self {
            Body::Plain(b) => b.len(),
            Body::Packed { size, .. } => *size,
        }
    }
}

/// `text` as an attachment body, deflated once per process and `key` (the
/// file's SHA-256): the annexes of every language of a matrix embed the same
/// source file, which would otherwise be deflated for each of them. The
/// bytes are those [`compress`] would write; at most [`PACKED_CACHE_BYTES`]
/// of deflated text are kept.
pub(super) fn packed(key: &str, text: &std::sync::Arc<str>) -> Body {
    use std::sync::{Arc, Mutex, OnceLock, PoisonError};
    type Cache = (std::collections::HashMap<String, Arc<OnceLock<Option<Arc<Vec<u8>>>>>>, usize);
    static CACHE: std::sync::LazyLock<Mutex<Cache>> = std::sync::LazyLock::new(Default::default);
    let bytes = text.as_bytes();
    let deflate_smaller = || deflate(bytes).filter(|d| d.len() < bytes.len()).map(Arc::new);
    let cell = {
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        match cache.0.get(key) {
            Some(cell) => Some(cell.clone()),
            None if cache.1 + bytes.len() / 4 <= PACKED_CACHE_BYTES => {
                cache.1 += bytes.len() / 4; // a YAML file deflates to about a quarter
                let cell: Arc<OnceLock<Option<Arc<Vec<u8>>>>> = Arc::default();
                cache.0.insert(key.to_owned(), cell.clone());
                Some(cell)
            }
            None => None,
        }
    };
    let deflated = match cell {
        Some(cell) => cell.get_or_init(deflate_smaller).clone(),
        None => deflate_smaller(),
    };
    match deflated {
        Some(deflated) => Body::Packed { size: bytes.len(), deflated },
        None => Body::Plain(bytes.to_vec()),
    }
}

/// At most this many bytes of deflated source files are kept for the process.
const PACKED_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// A file carried inside the PDF (PDF/A-3 associated file, ISO 19005-3 6.8).
pub(super) struct Attachment {
    /// Its file name.
    pub(super) name: String,
    /// Its content: byte for byte, or already deflated.
    pub(super) body: Body,
    /// Its MIME type, e.g. `application/yaml`.
    pub(super) mime: &'static str,
    /// How it relates to the document: `Source`, `Data`, ...
    pub(super) relationship: &'static str,
    /// What it is, in words.
    pub(super) description: String,
}

/// The freely licensed sRGB profile of Debian's icc-profiles-free.
const SRGB_ICC: &[u8] = include_bytes!("../../../templates/icc/sRGB.icc");

/// The profile as a compressed stream, compressed once per process.
static SRGB_STREAM: std::sync::LazyLock<Stream> = std::sync::LazyLock::new(|| {
    let mut icc = Stream::new(Dictionary::from_iter(vec![("N", Object::Integer(3))]), SRGB_ICC.to_vec());
    let _ = icc.compress();
    icc
});

/// Builds the PDF of the composed pages `c`: fonts subset to the glyphs
/// shown, the layout's logo, `meta` as properties and XMP, the outline.
pub(super) fn finish(meta: &Meta<'_>, layout: &Layout, c: Composed) -> Result<Vec<u8>, String> {
    let title = meta.title.to_string();
    let mut doc = PdfDocument::new(&title);

    // Fonts: our own subsets, under fixed names, so ids never depend on the process.
    let mut seed = Sha256::new();
    let mut renumber: [Vec<u16>; 2] = [Vec::new(), Vec::new()];
    // printpdf derives each font's /W widths and ToUnicode map from the text
    // its pages show: it is shown every character used, once, on a page
    // whose content is then replaced by ours.
    let mut usage = vec![Op::StartTextSection];
    let faces =
        [(FONT_REGULAR, fonts::regular(), fonts::REGULAR_NAME), (FONT_BOLD, fonts::bold(), fonts::BOLD_NAME)];
    let mut subsets = Vec::with_capacity(2);
    for (k, (((name, face, ps_name), glyphs), map)) in
        faces.into_iter().zip(&c.glyphs).zip(&mut renumber).enumerate()
    {
        let gids: Vec<u16> =
            glyphs.iter().enumerate().filter(|(_, c)| c.is_some()).map(|(g, _)| g as u16).collect();
        if gids.is_empty() {
            continue;
        }
        let sub = Subset::of(k, face, ps_name, gids)?;
        map.clone_from(&sub.numbers);
        usage.push(Op::SetFont {
            font: printpdf::PdfFontHandle::External(FontId(name.to_string())),
            size: printpdf::Pt(10.0),
        });
        usage.push(Op::ShowText { items: vec![TextItem::Text(glyphs.iter().flatten().collect())] });
        // The seed starts with the first subset: resume from its kept state.
        if subsets.is_empty() {
            seed = sub.seed.clone();
        } else {
            seed.update(&sub.bytes);
        }
        doc.resources.fonts.map.insert(FontId(name.to_string()), PdfFont::new(sub.parsed.clone()));
        subsets.push(sub);
    }

    if let Some(logo) = &layout.logo {
        let (pixels, data_format) = match &logo.alpha {
            Some(alpha) => (
                logo.rgb.chunks_exact(3).zip(alpha).flat_map(|(p, a)| [p[0], p[1], p[2], *a]).collect(),
                printpdf::RawImageFormat::RGBA8,
            ),
            None => (logo.rgb.clone(), printpdf::RawImageFormat::RGB8),
        };
        let image = printpdf::RawImage {
            pixels: printpdf::RawImageData::U8(pixels),
            width: logo.width_px as usize,
            height: logo.height_px as usize,
            data_format,
            tag: Vec::new(),
        };
        // A fixed id: printpdf's add_image would draw one from a process-wide counter.
        doc.resources
            .xobjects
            .map
            .insert(printpdf::XObjectId(LOGO.to_string()), printpdf::XObject::Image(image));
    }

    let (wmm, hmm) = layout.page_mm();
    usage.push(Op::EndTextSection);
    let mut usage = Some(usage);
    doc.pages = c
        .pages
        .iter()
        .map(|_| PdfPage::new(printpdf::Mm(wmm), printpdf::Mm(hmm), usage.take().unwrap_or_default()))
        .collect();

    let d = meta.date;
    let date = printpdf::OffsetDateTime::from_unix_timestamp(d.unix_midnight())
        .map_err(|e| format!("date out of range: {e:?}"))?;
    let subject = meta.subject.clone();
    let keywords = meta.keywords.clone();
    {
        let info = &mut doc.metadata.info;
        info.document_title = title.clone();
        info.author = meta.tool.to_string();
        info.creator = meta.tool.to_string();
        info.producer = meta.tool.to_string();
        info.subject = subject.clone();
        info.keywords = keywords.clone();
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
        info.identifier = String::new();
    }

    let opts = PdfSaveOptions { optimize: true, subset_fonts: false, secure: true, image_optimization: None };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    drop(doc);
    use_packed_font_programs(&mut lo, &subsets);

    // Our content streams, glyph ids renumbered to the subsets, in place of printpdf's.
    let page_ids: Vec<ObjectId> = lo.get_pages().into_values().collect();
    let renumbering = Renumbering::new(&[&renumber[0], &renumber[1]]);
    for (page_id, content) in page_ids.iter().zip(c.pages) {
        let contents =
            lo.get_dictionary(*page_id).and_then(|d| d.get(b"Contents")).and_then(Object::as_reference);
        let stream = contents.and_then(|id| lo.get_object_mut(id)).and_then(Object::as_stream_mut);
        let stream = stream.map_err(|e| format!("page without a content stream: {e}"))?;
        stream.set_content(content.finish(&renumbering));
    }

    let iso = format!("{d}T00:00:00Z");
    let pdf_date = format!("D:{:04}{:02}{:02}000000Z", d.year, d.month, d.day);
    lo.version = "1.7".to_string();
    let info_id = lo.trailer.get(b"Info").and_then(Object::as_reference).map_err(|e| e.to_string())?;
    if let Ok(Object::Dictionary(info)) = lo.get_object_mut(info_id) {
        info.remove(b"GTS_PDFXVersion");
        info.remove(b"Identifier");
        info.remove(b"Trapped");
        info.set("CreationDate", Object::string_literal(pdf_date.clone()));
        info.set("ModDate", Object::string_literal(pdf_date.clone()));
    }

    let part = if meta.attachments.is_empty() { 2 } else { 3 };
    let xmp = xmp(&title, &subject, &keywords.join(", "), meta.lang.as_str(), &iso, meta.tool, part);
    let attached = embed(&mut lo, &meta.attachments, &pdf_date);
    let mut xmp_stream = Stream::new(
        Dictionary::from_iter(vec![("Type", "Metadata".into()), ("Subtype", "XML".into())]),
        xmp.into_bytes(),
    );
    xmp_stream.allows_compression = false;
    let xmp_id = lo.add_object(xmp_stream);

    let icc_id = lo.add_object(SRGB_STREAM.clone());
    let intent = Dictionary::from_iter(vec![
        ("Type", "OutputIntent".into()),
        ("S", "GTS_PDFA1".into()),
        ("OutputConditionIdentifier", Object::string_literal("sRGB IEC61966-2.1")),
        ("Info", Object::string_literal("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);

    let pages: Vec<ObjectId> = lo.get_pages().into_values().collect();
    let outline_id = outline(&mut lo, &c.outline, &pages);
    let widgets = signature_fields(&mut lo, &c.fields, &pages);
    let (struct_root, structure) = super::tags::write(&mut lo, &c.tree, &pages, &widgets);

    let root_id = lo.trailer.get(b"Root").and_then(Object::as_reference).map_err(|e| e.to_string())?;
    if let Ok(Object::Dictionary(cat)) = lo.get_object_mut(root_id) {
        cat.set("Lang", Object::string_literal(meta.lang.as_str()));
        cat.set("Metadata", Object::Reference(xmp_id));
        cat.set("OutputIntents", Object::Array(vec![Object::Dictionary(intent)]));
        cat.set("ViewerPreferences", Dictionary::from_iter(vec![("DisplayDocTitle", Object::Boolean(true))]));
        cat.set("MarkInfo", Dictionary::from_iter(vec![("Marked", Object::Boolean(true))]));
        cat.set("StructTreeRoot", Object::Reference(struct_root));
        if let Some((names, af)) = attached {
            cat.set("Names", Dictionary::from_iter(vec![("EmbeddedFiles", Object::Dictionary(names))]));
            cat.set("AF", af);
        }
        if !widgets.is_empty() {
            let fields = widgets.iter().map(|&w| Object::Reference(w)).collect();
            cat.set("AcroForm", Dictionary::from_iter(vec![("Fields", Object::Array(fields))]));
        }
        if let Some(id) = outline_id {
            cat.set("Outlines", Object::Reference(id));
            cat.set("PageMode", "UseOutlines");
        }
    }

    // The document id: a digest of what determines the content, never a random number.
    for part in &meta.seed {
        seed.update(part.as_bytes());
    }
    let id = seed.finalize()[..16].to_vec();
    lo.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );

    // printpdf 0.12 leaves fonts and page contents uncompressed; the XMP
    // packet stays readable (allows_compression = false). Every stream, then
    // the object streams, at zlib's fastest level ([`deflate`]).
    compress(&mut lo);
    let out = super::write::save(&lo, &structure)?;
    Ok(out)
}

/// Deflates every stream that may be compressed, at zlib's fastest
/// level: lopdf's own `compress` uses the default level, which took a
/// fifth of all instructions of a 1,000-activity annex for files only
/// ~10 % smaller.
///
/// One compressor per thread serves every stream ([`deflate`]).
fn compress(lo: &mut lopdf::Document) {
    for obj in lo.objects.values_mut() {
        let Object::Stream(stream) = obj else { continue };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let Some(packed) = deflate(&stream.content) else { continue };
        if packed.len() < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }
}

/// Embeds `files` as associated files of the document (PDF/A-3): each an
/// embedded file stream with its MIME type, size and date, inside a file
/// specification with `/AFRelationship`. Returns the `/EmbeddedFiles` name
/// tree (names sorted, as a name tree must be) and the catalog's `/AF`
/// array, or `None` when there is nothing to embed.
fn embed(lo: &mut lopdf::Document, files: &[Attachment], pdf_date: &str) -> Option<(Dictionary, Object)> {
    if files.is_empty() {
        return None;
    }
    let mut specs: Vec<(String, ObjectId)> = Vec::new();
    for f in files {
        let params = Dictionary::from_iter(vec![
            ("Size", Object::Integer(f.body.size() as i64)),
            ("ModDate", Object::string_literal(pdf_date)),
        ]);
        let mut dict = Dictionary::from_iter(vec![
            ("Type", "EmbeddedFile".into()),
            ("Subtype", Object::Name(f.mime.as_bytes().to_vec())),
            ("Params", Object::Dictionary(params)),
        ]);
        let content = match &f.body {
            Body::Plain(bytes) => bytes.clone(),
            Body::Packed { deflated, .. } => {
                dict.set("Filter", "FlateDecode"); // so `compress` leaves it as it is
                deflated.as_ref().clone()
            }
        };
        let stream = Stream::new(dict, content);
        let ef = lo.add_object(stream);
        let refs = Dictionary::from_iter(vec![("F", Object::Reference(ef)), ("UF", Object::Reference(ef))]);
        let spec = lo.add_object(Dictionary::from_iter(vec![
            ("Type", "Filespec".into()),
            ("F", text_string(&f.name)),
            ("UF", text_string(&f.name)),
            ("Desc", text_string(&f.description)),
            ("AFRelationship", Object::Name(f.relationship.as_bytes().to_vec())),
            ("EF", Object::Dictionary(refs)),
        ]));
        specs.push((f.name.clone(), spec));
    }
    let af = Object::Array(specs.iter().map(|(_, id)| Object::Reference(*id)).collect());
    // A name tree's keys sort by their bytes: here UTF-16BE, as written.
    let mut sorted = specs.clone();
    sorted.sort_by_key(|(n, _)| n.encode_utf16().collect::<Vec<u16>>());
    let names = sorted.into_iter().flat_map(|(n, id)| [text_string(&n), Object::Reference(id)]).collect();
    Some((Dictionary::from_iter(vec![("Names", Object::Array(names))]), af))
}

/// Adds an empty signature field for each of `fields`: one dictionary that
/// is both the field (`/FT /Sig`, its name, its accessible description) and
/// its widget annotation on its page (printed, with an appearance stream:
/// PDF/A forbids `/NeedAppearances`). A signing tool fills in `/V` later, in
/// an incremental update, without touching anything else. Returns the
/// widgets' ids, in field order.
fn signature_fields(
    lo: &mut lopdf::Document,
    fields: &[super::flow::Field],
    pages: &[ObjectId],
) -> Vec<ObjectId> {
    let mut ids = Vec::with_capacity(fields.len());
    for f in fields {
        let Some(&page) = pages.get(f.page) else { continue };
        let [x0, y0, x1, y1] = f.rect;
        // The page draws the field's frame; the appearance is empty until signed.
        let appearance = Stream::new(
            Dictionary::from_iter(vec![
                ("Type", "XObject".into()),
                ("Subtype", "Form".into()),
                (
                    "BBox",
                    Object::Array(vec![0.into(), 0.into(), Object::Real(x1 - x0), Object::Real(y1 - y0)]),
                ),
                ("Resources", Object::Dictionary(Dictionary::new())),
            ]),
            Vec::new(),
        );
        let ap = lo.add_object(appearance);
        let widget = lo.add_object(Dictionary::from_iter(vec![
            ("Type", "Annot".into()),
            ("Subtype", "Widget".into()),
            ("FT", "Sig".into()),
            ("T", text_string(&f.name)),
            ("TU", text_string(&f.tooltip)),
            ("Contents", text_string(&f.tooltip)),
            ("F", Object::Integer(4)),
            ("Rect", Object::Array(f.rect.iter().map(|&v| Object::Real(v)).collect())),
            ("P", Object::Reference(page)),
            ("AP", Object::Dictionary(Dictionary::from_iter(vec![("N", Object::Reference(ap))]))),
        ]));
        if let Ok(Object::Dictionary(d)) = lo.get_object_mut(page) {
            match d.get_mut(b"Annots") {
                Ok(Object::Array(a)) => a.push(Object::Reference(widget)),
                _ => d.set("Annots", Object::Array(vec![Object::Reference(widget)])),
            }
        }
        ids.push(widget);
    }
    ids
}

/// `bytes` deflated (zlib format) at the fastest level, with this thread's
/// compressor, reset in between: setting one up zeroes a few hundred
/// kilobytes of tables, more than compressing a page costs.
pub(super) fn deflate(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    thread_local! {
        static ENCODER: std::cell::RefCell<flate2::write::ZlibEncoder<Vec<u8>>> =
            std::cell::RefCell::new(flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast()));
    }
    ENCODER.with_borrow_mut(|enc| {
        enc.reset(Vec::with_capacity(bytes.len() / 2)).ok()?;
        enc.write_all(bytes).ok()?;
        enc.try_finish().ok()?;
        Some(std::mem::take(enc.get_mut()))
    })
}

/// One face subset to one set of glyphs, with what every document that
/// embeds it needs: the font program, its renumbering, the parsed font for
/// printpdf and the program already deflated.
///
/// Subsets are kept for the rest of the process, keyed by face and glyph
/// set, so a batch of annexes whose texts use the same characters subsets
/// each face once (300 matrices × 3 languages of the benchmark: 50 distinct
/// subsets for 1,800 fonts). An entry depends only on its key, so a file's
/// bytes never depend on what else the process rendered.
struct Subset {
    /// The font program (a TrueType file).
    bytes: Vec<u8>,
    /// Full-font glyph id → subset glyph id.
    numbers: Vec<u16>,
    /// The program parsed by printpdf, named `TAG+PostScriptName`.
    parsed: printpdf::ParsedFont,
    /// The program deflated exactly as [`compress`] would, when that is smaller.
    packed: Option<Vec<u8>>,
    /// SHA-256 state after the program: the document id's seed when this
    /// subset comes first, so the program is hashed once per process.
    seed: Sha256,
}

/// Kept subsets: (face, glyphs) → subset, and their total size in bytes.
type SubsetCache = (std::collections::HashMap<(usize, Vec<u16>), std::sync::Arc<Subset>>, usize);
static SUBSETS: std::sync::LazyLock<std::sync::Mutex<SubsetCache>> =
    std::sync::LazyLock::new(Default::default);
/// At most this many bytes of font programs are kept (about three times as
/// much memory with their parsed and packed forms); further subsets are made
/// for their document only.
const SUBSET_CACHE_BYTES: usize = 16 * 1024 * 1024;

impl Subset {
    /// The subset of `face` (number `k`) to `gids` (ascending), from the cache or made now.
    fn of(k: usize, face: &Face, ps_name: &str, gids: Vec<u16>) -> Result<std::sync::Arc<Subset>, String> {
        let lock = || SUBSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (k, gids);
        if let Some(s) = lock().0.get(&key) {
            return Ok(s.clone());
        }
        let (bytes, tag, numbers) = subset(face, &key.1)?;
        let mut warnings = Vec::new();
        let mut parsed = printpdf::ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| format!("the {ps_name} subset does not parse"))?;
        parsed.font_name = Some(format!("{tag}+{ps_name}"));
        let packed = deflate(&bytes).filter(|p| p.len() < bytes.len());
        let seed = Sha256::new().chain_update(&bytes);
        let sub = std::sync::Arc::new(Subset { bytes, numbers, parsed, packed, seed });
        let mut cache = lock();
        if cache.1 + sub.bytes.len() <= SUBSET_CACHE_BYTES {
            cache.1 += sub.bytes.len();
            cache.0.insert(key, sub.clone());
        }
        Ok(sub)
    }
}

/// Puts each subset's deflated program in place of the plain one printpdf
/// wrote (its `/FontFile2` stream, the one with `/Length1`), as [`compress`]
/// would have: `/Filter` set, then the content.
fn use_packed_font_programs(lo: &mut lopdf::Document, subsets: &[std::sync::Arc<Subset>]) {
    for obj in lo.objects.values_mut() {
        let Object::Stream(stream) = obj else { continue };
        if stream.dict.get(b"Length1").is_err() || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let found = subsets.iter().find(|s| s.bytes == stream.content);
        if let Some(packed) = found.and_then(|s| s.packed.as_ref()) {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed.clone());
        }
    }
}

/// Subsets `face` to the glyphs `used` (ascending full-font ids; .notdef is
/// added) and names the subset with a tag derived from its content. Also
/// returns the renumbering: full-font id → subset id (allsorts numbers the
/// subset's glyphs in the order they are asked for).
fn subset(face: &Face, used: &[u16]) -> Result<(Vec<u8>, String, Vec<u16>), String> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile};
    let mut gids: Vec<u16> = used.iter().copied().filter(|&g| g != 0).collect();
    gids.insert(0, 0);
    let data = ReadScope::new(face.bytes).read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data.table_provider(0).map_err(|e| e.to_string())?;
    let bytes = allsorts::subset::subset(&provider, &gids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| e.to_string())?;
    let digest = Sha256::digest(&bytes);
    let tag: String = digest.iter().take(6).map(|b| char::from(b'A' + b % 26)).collect();
    let mut numbers = vec![0u16; usize::from(gids[gids.len() - 1]) + 1];
    for (new, &old) in gids.iter().enumerate() {
        numbers[usize::from(old)] = new as u16;
    }
    Ok((bytes, tag, numbers))
}

/// UTF-16BE with a byte order mark: how PDF text strings carry any character.
pub(super) fn text_string(s: &str) -> Object {
    let mut b = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        b.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(b, StringFormat::Hexadecimal)
}

/// Writes the outline: entries in document order, subphases nested under
/// their phase, each landing on its heading (`/XYZ` with its y).
fn outline(lo: &mut lopdf::Document, marks: &[Mark], pages: &[ObjectId]) -> Option<ObjectId> {
    if marks.is_empty() {
        return None;
    }
    let root = lo.new_object_id();
    // Tree: top-level items with their children.
    let mut tops: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, mk) in marks.iter().enumerate() {
        match (mk.level, tops.last_mut()) {
            (1, Some(last)) => last.1.push(i),
            _ => tops.push((i, Vec::new())),
        }
    }
    let ids: Vec<ObjectId> = marks.iter().map(|_| lo.new_object_id()).collect();
    let dest = |mk: &Mark| -> Object {
        let page = pages.get(mk.page).copied().unwrap_or(pages[0]);
        Object::Array(vec![
            Object::Reference(page),
            "XYZ".into(),
            Object::Null,
            Object::Real(mk.y),
            Object::Null,
        ])
    };
    let set_item = |lo: &mut lopdf::Document,
                    i: usize,
                    parent: ObjectId,
                    prev: Option<usize>,
                    next: Option<usize>,
                    kids: &[usize]| {
        let mut d = Dictionary::from_iter(vec![
            ("Title", text_string(&marks[i].title)),
            ("Parent", Object::Reference(parent)),
            ("Dest", dest(&marks[i])),
        ]);
        if let Some(p) = prev {
            d.set("Prev", Object::Reference(ids[p]));
        }
        if let Some(n) = next {
            d.set("Next", Object::Reference(ids[n]));
        }
        if let (Some(f), Some(l)) = (kids.first(), kids.last()) {
            d.set("First", Object::Reference(ids[*f]));
            d.set("Last", Object::Reference(ids[*l]));
            d.set("Count", Object::Integer(kids.len() as i64));
        }
        lo.set_object(ids[i], d);
    };
    for (k, (i, kids)) in tops.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| tops[p].0);
        let next = tops.get(k + 1).map(|t| t.0);
        set_item(lo, *i, root, prev, next, kids);
        for (j, kid) in kids.iter().enumerate() {
            let prev = j.checked_sub(1).map(|p| kids[p]);
            let next = kids.get(j + 1).copied();
            set_item(lo, *kid, ids[*i], prev, next, &[]);
        }
    }
    let total = marks.len() as i64;
    lo.set_object(
        root,
        Dictionary::from_iter(vec![
            ("Type", "Outlines".into()),
            ("First", Object::Reference(ids[tops[0].0])),
            ("Last", Object::Reference(ids[tops[tops.len() - 1].0])),
            ("Count", Object::Integer(total)),
        ]),
    );
    Some(root)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The XMP packet: PDF/A and PDF/UA identification and the same properties as the Info dictionary.
///
/// It declares PDF/A-`part` level A (2, or 3 with attachments) and PDF/UA-1;
/// the `pdfuaid` namespace is not one PDF/A predefines, so the packet
/// describes it in a PDF/A extension schema (ISO 19005-2, 6.6.2.3).
fn xmp(title: &str, subject: &str, keywords: &str, lang: &str, iso: &str, tool: &str, part: u8) -> String {
    let (title, subject, keywords, tool) =
        (xml_escape(title), xml_escape(subject), xml_escape(keywords), xml_escape(tool));
    format!(
        r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource">
         <pdfaProperty:name>part</pdfaProperty:name>
         <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
         <pdfaProperty:category>internal</pdfaProperty:category>
         <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
        </rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <pdfaid:part>{part}</pdfaid:part>
   <pdfaid:conformance>A</pdfaid:conformance>
   <pdfuaid:part>1</pdfuaid:part>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{tool}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <xmp:CreatorTool>{tool}</xmp:CreatorTool>
   <xmp:CreateDate>{iso}</xmp:CreateDate>
   <xmp:ModifyDate>{iso}</xmp:ModifyDate>
   <xmp:MetadataDate>{iso}</xmp:MetadataDate>
   <pdf:Producer>{tool}</pdf:Producer>
   <pdf:Keywords>{keywords}</pdf:Keywords>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    )
}
