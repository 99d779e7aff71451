//! The logical structure of a tagged PDF read back with lopdf (PDF/UA-1,
//! ISO 32000-1 14.7): the structure tree from `/StructTreeRoot`, the parent
//! tree, and the marked content of every page (through `read.rs`), checked
//! against each other.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Object, ObjectId};

use super::read::{Marked, Pdf, collapse};

/// One structure element.
#[derive(Debug)]
pub(crate) struct Elem {
    pub(crate) role: String,
    pub(crate) kids: Vec<Kid>,
    pub(crate) attrs: Option<Dictionary>,
    pub(crate) alt: Option<String>,
}

/// A child of a structure element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kid {
    Elem(usize),
    Content { page: usize, mcid: u32 },
    Object(ObjectId),
}

/// The structure tree; element 0 is the root's only kid (the document).
pub(crate) struct Tree {
    pub(crate) elems: Vec<Elem>,
    ids: BTreeMap<ObjectId, usize>,
}

/// The standard structure types of ISO 32000-1, 14.8.4 (no role map needed).
const STANDARD: &[&str] = &[
    "Document",
    "Part",
    "Art",
    "Sect",
    "Div",
    "BlockQuote",
    "Caption",
    "TOC",
    "TOCI",
    "Index",
    "NonStruct",
    "Private",
    "P",
    "H",
    "H1",
    "H2",
    "H3",
    "H4",
    "H5",
    "H6",
    "L",
    "LI",
    "Lbl",
    "LBody",
    "Table",
    "TR",
    "TH",
    "TD",
    "THead",
    "TBody",
    "TFoot",
    "Span",
    "Quote",
    "Note",
    "Reference",
    "BibEntry",
    "Code",
    "Link",
    "Annot",
    "Ruby",
    "RB",
    "RT",
    "RP",
    "Warichu",
    "WT",
    "WP",
    "Figure",
    "Formula",
    "Form",
];

impl Tree {
    /// Reads the tree of `pdf`, following `/K` from `/StructTreeRoot`.
    pub(crate) fn read(pdf: &Pdf) -> Tree {
        let root = pdf.dict(pdf.catalog().get(b"StructTreeRoot").expect("/StructTreeRoot in the catalog"));
        assert_eq!(root.get(b"Type").and_then(Object::as_name).ok(), Some(&b"StructTreeRoot"[..]));
        let pages: BTreeMap<ObjectId, usize> = pdf.pages.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut t = Tree { elems: Vec::new(), ids: BTreeMap::new() };
        let kids = kid_list(pdf, root.get(b"K").expect("/K of the root"));
        assert_eq!(kids.len(), 1, "the root has one element, the document");
        let doc = kids[0].as_reference().expect("the document element is an indirect object");
        t.read_elem(pdf, doc, &pages, None);
        assert_eq!(t.elems[0].role, "Document");
        t
    }

    fn read_elem(
        &mut self,
        pdf: &Pdf,
        id: ObjectId,
        pages: &BTreeMap<ObjectId, usize>,
        parent: Option<ObjectId>,
    ) -> usize {
        let d = pdf.doc.get_dictionary(id).expect("a structure element dictionary");
        if let Some(p) = parent {
            assert_eq!(
                d.get(b"P").and_then(Object::as_reference).ok(),
                Some(p),
                "/P of {id:?} is its parent"
            );
        }
        let role = String::from_utf8_lossy(d.get(b"S").and_then(Object::as_name).expect("/S")).into_owned();
        let pg = d.get(b"Pg").ok().map(|p| pages[&p.as_reference().expect("/Pg reference")]);
        let at = self.elems.len();
        self.ids.insert(id, at);
        self.elems.push(Elem {
            role,
            kids: Vec::new(),
            attrs: d.get(b"A").ok().map(|a| pdf.dict(a).clone()),
            alt: d.get(b"Alt").ok().map(super::read::text_string),
        });
        let mut kids = Vec::new();
        for k in d.get(b"K").map(|k| kid_list(pdf, k)).unwrap_or_default() {
            let kid = match &k {
                Object::Integer(n) => {
                    Kid::Content { page: pg.expect("/Pg for an integer MCID"), mcid: *n as u32 }
                }
                Object::Reference(r) => Kid::Elem(self.read_elem(pdf, *r, pages, Some(id))),
                Object::Dictionary(m) if m.get(b"Type").and_then(Object::as_name).ok() == Some(b"MCR") => {
                    let page = match m.get(b"Pg") {
                        Ok(p) => pages[&p.as_reference().expect("/Pg")],
                        Err(_) => pg.expect("/Pg"),
                    };
                    let mcid = m.get(b"MCID").and_then(Object::as_i64).expect("/MCID") as u32;
                    Kid::Content { page, mcid }
                }
                Object::Dictionary(m) if m.get(b"Type").and_then(Object::as_name).ok() == Some(b"OBJR") => {
                    Kid::Object(m.get(b"Obj").and_then(Object::as_reference).expect("/Obj"))
                }
                other => panic!("unexpected kid {other:?} of {id:?}"),
            };
            kids.push(kid);
        }
        self.elems[at].kids = kids;
        at
    }

    /// Every element in reading order (depth first).
    pub(crate) fn preorder(&self) -> Vec<usize> {
        fn walk(t: &Tree, e: usize, out: &mut Vec<usize>) {
            out.push(e);
            for k in &t.elems[e].kids {
                if let Kid::Elem(c) = k {
                    walk(t, *c, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, 0, &mut out);
        out
    }

    /// Every marked-content sequence in reading order.
    pub(crate) fn content_order(&self) -> Vec<(usize, u32)> {
        fn walk(t: &Tree, e: usize, out: &mut Vec<(usize, u32)>) {
            for k in &t.elems[e].kids {
                match *k {
                    Kid::Elem(c) => walk(t, c, out),
                    Kid::Content { page, mcid } => out.push((page, mcid)),
                    Kid::Object(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(self, 0, &mut out);
        out
    }

    /// The text of `e` and its descendants, runs joined by spaces, white space collapsed.
    pub(crate) fn text(&self, pdf: &Pdf, e: usize) -> String {
        let mut parts = Vec::new();
        self.collect_text(pdf, e, &mut parts);
        collapse(&parts.join(" "))
    }

    fn collect_text(&self, pdf: &Pdf, e: usize, parts: &mut Vec<String>) {
        for k in &self.elems[e].kids {
            match *k {
                Kid::Elem(c) => self.collect_text(pdf, c, parts),
                Kid::Content { page, mcid } => parts.extend(
                    pdf.pages[page]
                        .runs
                        .iter()
                        .filter(|r| r.mark == Marked::Content(mcid))
                        .map(|r| r.text.clone()),
                ),
                Kid::Object(_) => {}
            }
        }
    }

    /// The child elements of `e`.
    pub(crate) fn children(&self, e: usize) -> Vec<usize> {
        self.elems[e]
            .kids
            .iter()
            .filter_map(|k| match k {
                Kid::Elem(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Every element of `role`, in reading order.
    pub(crate) fn all(&self, role: &str) -> Vec<usize> {
        self.preorder().into_iter().filter(|&e| self.elems[e].role == role).collect()
    }

    /// The element whose object is `id`.
    pub(crate) fn by_id(&self, id: ObjectId) -> Option<usize> {
        self.ids.get(&id).copied()
    }
}

/// The kids a `/K` value names: an array of them, or one kid (which may
/// itself be a reference to an element, not to an array).
fn kid_list(pdf: &Pdf, k: &Object) -> Vec<Object> {
    match k {
        Object::Array(a) => a.clone(),
        Object::Reference(_) => match pdf.deref(k) {
            Object::Array(a) => a.clone(),
            _ => vec![k.clone()],
        },
        other => vec![other.clone()],
    }
}

/// What every tagged PDF of the tool must satisfy, whatever it says: the
/// catalog's entries of PDF/UA, each page's `/Tabs` and `/StructParents`,
/// every text run and every painted path inside marked content, the parent
/// tree and the marked content agreeing both ways, standard types only,
/// reading order equal to drawing order, the running header and footer as
/// artifacts, and tables of THead/TBody rows with column-scoped TH cells.
pub(crate) fn check_tagged(pdf: &Pdf, lang: &str, running: usize, what: &str) -> Tree {
    let cat = pdf.catalog();
    let mark_info = pdf.dict(cat.get(b"MarkInfo").expect("/MarkInfo"));
    assert_eq!(mark_info.get(b"Marked").ok(), Some(&Object::Boolean(true)), "{what}: /Marked true");
    assert!(
        !matches!(mark_info.get(b"Suspects"), Ok(Object::Boolean(true))),
        "{what}: /Suspects must not be true"
    );
    assert_eq!(super::read::text_string(cat.get(b"Lang").expect("/Lang")), lang, "{what}: /Lang");
    let vp = pdf.dict(cat.get(b"ViewerPreferences").expect("/ViewerPreferences"));
    assert_eq!(vp.get(b"DisplayDocTitle").ok(), Some(&Object::Boolean(true)), "{what}: DisplayDocTitle");

    let tree = Tree::read(pdf);
    let root = pdf.dict(cat.get(b"StructTreeRoot").expect("/StructTreeRoot"));
    let nums =
        pdf.deref(pdf.dict(root.get(b"ParentTree").expect("/ParentTree")).get(b"Nums").expect("/Nums"));
    let nums = nums.as_array().expect("/Nums array");
    let parent_tree: BTreeMap<i64, &Object> =
        nums.chunks(2).map(|c| (c[0].as_i64().expect("a key"), &c[1])).collect();

    for (i, page) in pdf.pages.iter().enumerate() {
        let at = format!("{what}, page {}", i + 1);
        let d = pdf.doc.get_dictionary(page.id).expect("page");
        assert_eq!(d.get(b"Tabs").and_then(Object::as_name).ok(), Some(&b"S"[..]), "{at}: /Tabs /S");
        let key = d.get(b"StructParents").and_then(Object::as_i64).expect("/StructParents");
        assert_eq!(page.unmarked_graphics, 0, "{at}: graphics outside marked content");
        for r in &page.runs {
            assert!(
                matches!(r.mark, Marked::Content(_) | Marked::Artifact),
                "{at}: text outside marked content: {r:?}"
            );
        }
        for r in &page.runs[page.runs.len().saturating_sub(running)..] {
            assert_eq!(r.mark, Marked::Artifact, "{at}: the running header and footer are artifacts: {r:?}");
        }
        // The parent tree lists each MCID of the page once, pointing at the
        // element whose /K names it; and nothing else.
        let entries =
            pdf.deref(parent_tree.get(&key).unwrap_or_else(|| panic!("{at}: no parent tree entry")));
        let entries = entries.as_array().expect("an array of elements per page");
        let mut seen = page.mcids.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..entries.len() as u32).collect::<Vec<_>>(), "{at}: MCIDs 0..n, each once");
        for (mcid, e) in entries.iter().enumerate() {
            let e =
                tree.by_id(e.as_reference().expect("an element reference")).expect("an element of the tree");
            let kid = Kid::Content { page: i, mcid: mcid as u32 };
            assert!(
                tree.elems[e].kids.contains(&kid),
                "{at}: MCID {mcid} not a kid of its parent-tree element"
            );
        }
    }

    // Reading order is printed order: every marked-content sequence is in
    // the tree once, and the elements holding content start in the order
    // they are drawn (a row split over two pages continues each of its
    // cells on the second page: within the row, cell by cell).
    let stream_order: Vec<(usize, u32)> =
        pdf.pages.iter().enumerate().flat_map(|(i, p)| p.mcids.iter().map(move |&m| (i, m))).collect();
    let position: BTreeMap<(usize, u32), usize> =
        stream_order.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    let mut in_tree = tree.content_order();
    let firsts: Vec<usize> = tree
        .preorder()
        .into_iter()
        .filter_map(|e| {
            tree.elems[e].kids.iter().find_map(|k| match *k {
                Kid::Content { page, mcid } => Some(position[&(page, mcid)]),
                _ => None,
            })
        })
        .collect();
    if let Some(w) = firsts.windows(2).position(|w| w[0] >= w[1]) {
        panic!(
            "{what}: element starting at {:?} is read before one drawn earlier",
            stream_order[firsts[w + 1]]
        );
    }
    in_tree.sort_unstable();
    let mut drawn = stream_order.clone();
    drawn.sort_unstable();
    assert!(in_tree == drawn, "{what}: the tree and the pages hold different marked content");

    for e in tree.preorder() {
        let el = &tree.elems[e];
        assert!(STANDARD.contains(&el.role.as_str()), "{what}: non-standard type {}", el.role);
        match el.role.as_str() {
            "Table" => {
                let parts: Vec<&str> =
                    tree.children(e).iter().map(|&c| tree.elems[c].role.as_str()).collect();
                assert_eq!(parts, ["THead", "TBody"], "{what}: a table is a head and a body");
                let head = tree.children(tree.children(e)[0]);
                assert_eq!(head.len(), 1, "{what}: one header row");
                let ths = tree.children(head[0]);
                for &th in &ths {
                    assert_eq!(tree.elems[th].role, "TH");
                    // A header repeated on later pages is an artifact: the cell's
                    // content is on one page only.
                    let pages: std::collections::BTreeSet<usize> = tree.elems[th]
                        .kids
                        .iter()
                        .filter_map(|k| if let Kid::Content { page, .. } = k { Some(*page) } else { None })
                        .collect();
                    assert!(pages.len() <= 1, "{what}: a header cell tagged on pages {pages:?}");
                    let a = tree.elems[th].attrs.as_ref().expect("TH attributes");
                    assert_eq!(a.get(b"O").and_then(Object::as_name).ok(), Some(&b"Table"[..]));
                    assert_eq!(
                        a.get(b"Scope").and_then(Object::as_name).ok(),
                        Some(&b"Column"[..]),
                        "{what}: TH scope"
                    );
                }
                for tr in tree.children(tree.children(e)[1]) {
                    assert_eq!(tree.elems[tr].role, "TR");
                    let tds = tree.children(tr);
                    assert_eq!(tds.len(), ths.len(), "{what}: every row has a cell per column");
                    assert!(tds.iter().all(|&td| tree.elems[td].role == "TD"));
                }
            }
            "Figure" => {
                assert!(el.alt.as_deref().is_some_and(|a| !a.is_empty()), "{what}: a figure without /Alt")
            }
            _ => {}
        }
    }
    tree
}
