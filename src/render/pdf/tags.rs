//! The logical structure of a tagged PDF (ISO 32000-1, 14.7; PDF/UA-1,
//! PDF/A-2a): a tree of structure elements of standard types, in reading
//! order, whose leaves are the page's marked-content sequences (by MCID),
//! and the annotations (by object reference).
//!
//! [`super::flow::Flow`] grows the tree while it composes the pages: every
//! text it draws is marked content of the element the document module
//! named, everything else (rules, fills, the running header and footer, a
//! table header repeated on a later page) is an artifact. [`write()`] then
//! puts the tree into the document: the elements, the parent tree and
//! each page's `/StructParents` and `/Tabs`.

use lopdf::{Object, ObjectId};

/// A standard structure type (ISO 32000-1, 14.8.4): no role map is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The whole document: the root element.
    Document,
    /// The document's title.
    H1,
    /// A section heading (a phase, the legend, the notes...).
    H2,
    /// A subsection heading (a subphase).
    H3,
    /// A paragraph.
    P,
    /// An image, with alternate text.
    Figure,
    /// A table, however many pages it spans.
    Table,
    /// The header rows of a table.
    THead,
    /// The body rows of a table.
    TBody,
    /// A table row.
    TR,
    /// A header cell, scoped to its column.
    TH,
    /// A data cell.
    TD,
    /// A form field's widget (a signature field).
    Form,
    /// A group of elements that belong together (one party's signature box).
    Div,
}

impl Role {
    /// The structure type's name, as written in `/S` and before `BDC`.
    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Document => "Document",
            Role::H1 => "H1",
            Role::H2 => "H2",
            Role::H3 => "H3",
            Role::P => "P",
            Role::Figure => "Figure",
            Role::Table => "Table",
            Role::THead => "THead",
            Role::TBody => "TBody",
            Role::TR => "TR",
            Role::TH => "TH",
            Role::TD => "TD",
            Role::Form => "Form",
            Role::Div => "Div",
        }
    }
}

/// An element of the tree, by index ([`Tree::ROOT`] is the document).
pub(super) type Elem = usize;

/// A child of a structure element, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kid {
    /// Another element.
    Elem(Elem),
    /// A marked-content sequence: the `mcid`-th of page `page` (0-based).
    Content {
        /// 0-based page index.
        page: usize,
        /// Its MCID, unique within the page.
        mcid: u32,
    },
    /// The widget annotation of a form field: the `index`-th field of the document.
    Widget {
        /// 0-based page index.
        page: usize,
        /// Index into the composed document's fields.
        index: usize,
    },
}

/// One structure element.
#[derive(Clone, Debug)]
pub(super) struct Node {
    /// Its structure type.
    pub(super) role: Role,
    /// The element it belongs to (`None` for the root).
    pub(super) parent: Option<Elem>,
    /// Its children in reading order.
    pub(super) kids: Vec<Kid>,
    /// Alternate text (a figure's description).
    pub(super) alt: Option<String>,
}

/// The structure tree of one document, and which element each page's
/// marked-content sequences belong to.
#[derive(Debug)]
pub(super) struct Tree {
    /// Every element; index 0 is the [`Role::Document`] root.
    pub(super) nodes: Vec<Node>,
    /// Per page, the element of each MCID (`pages[p][mcid]`).
    pub(super) pages: Vec<Vec<Elem>>,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    /// The document element.
    pub(super) const ROOT: Elem = 0;

    /// A tree holding only the document element.
    pub(super) fn new() -> Tree {
        Tree {
            nodes: vec![Node { role: Role::Document, parent: None, kids: Vec::new(), alt: None }],
            pages: Vec::new(),
        }
    }

    /// A new element of `role`, the last child of `parent`.
    pub(super) fn add(&mut self, parent: Elem, role: Role) -> Elem {
        let e = self.nodes.len();
        self.nodes.push(Node { role, parent: Some(parent), kids: Vec::new(), alt: None });
        self.nodes[parent].kids.push(Kid::Elem(e));
        e
    }

    /// Gives `elem` its next marked-content sequence on page `page`: the
    /// MCID to write before `BDC`.
    pub(super) fn mark(&mut self, elem: Elem, page: usize) -> u32 {
        if self.pages.len() <= page {
            self.pages.resize_with(page + 1, Vec::new);
        }
        let mcids = &mut self.pages[page];
        let mcid = mcids.len() as u32;
        mcids.push(elem);
        self.nodes[elem].kids.push(Kid::Content { page, mcid });
        mcid
    }
}

/// Puts `tree` into `lo`: the elements and the `/StructTreeRoot` with its
/// parent tree (page `p` has `/StructParents p`; field `i` has
/// `/StructParent pages + i`), set on each page with `/Tabs /S` and on
/// each widget. `widgets` are the fields' widget annotations, in field
/// order. The elements, thousands of small dictionaries, come back written
/// (for `write::save` to pack into object streams) instead of as lopdf
/// objects: building a lopdf dictionary per element cost as much as
/// composing the pages. Returns the root's id, for the catalog.
pub(super) fn write(
    lo: &mut lopdf::Document,
    tree: &Tree,
    pages: &[ObjectId],
    widgets: &[ObjectId],
) -> (ObjectId, Vec<(u32, Vec<u8>)>) {
    use super::write::object;
    let root = lo.new_object_id();
    let ids: Vec<ObjectId> = tree.nodes.iter().map(|_| lo.new_object_id()).collect();
    let page_of = |p: usize| pages.get(p).copied().unwrap_or(pages[0]);
    let reference = |out: &mut Vec<u8>, id: ObjectId| object(out, &Object::Reference(id));
    let mut raw = Vec::with_capacity(tree.nodes.len() + 1);
    for (i, node) in tree.nodes.iter().enumerate() {
        // The page of the element's own content: its integer MCIDs are on it.
        let first = node.kids.iter().find_map(|k| match *k {
            Kid::Content { page, .. } => Some(page),
            _ => None,
        });
        // `/Type /StructElem` is optional and left out: thousands of them.
        let mut d = Vec::with_capacity(48);
        d.extend_from_slice(b"<</S/");
        d.extend_from_slice(node.role.name().as_bytes());
        d.extend_from_slice(b"/P ");
        reference(&mut d, node.parent.map_or(root, |p| ids[p]));
        // One kid is written as itself, none not at all: smaller than arrays.
        if !node.kids.is_empty() {
            d.extend_from_slice(b"/K");
            let many = node.kids.len() > 1;
            if many {
                d.push(b'[');
            }
            for (k, kid) in node.kids.iter().enumerate() {
                if k > 0 || !many {
                    d.push(b' ');
                }
                match *kid {
                    Kid::Elem(e) => reference(&mut d, ids[e]),
                    // An MCID on the element's own page is a plain integer.
                    Kid::Content { page, mcid } if Some(page) == first => {
                        object(&mut d, &Object::Integer(i64::from(mcid)));
                    }
                    Kid::Content { page, mcid } => {
                        d.extend_from_slice(b"<</Type/MCR/Pg ");
                        reference(&mut d, page_of(page));
                        d.extend_from_slice(b"/MCID ");
                        object(&mut d, &Object::Integer(i64::from(mcid)));
                        d.extend_from_slice(b">>");
                    }
                    Kid::Widget { page, index } => {
                        d.extend_from_slice(b"<</Type/OBJR/Pg ");
                        reference(&mut d, page_of(page));
                        d.extend_from_slice(b"/Obj ");
                        reference(&mut d, widgets[index]);
                        d.extend_from_slice(b">>");
                    }
                }
            }
            if many {
                d.push(b']');
            }
        }
        if let Some(p) = first {
            d.extend_from_slice(b"/Pg ");
            reference(&mut d, page_of(p));
        }
        if node.role == Role::TH {
            d.extend_from_slice(b"/A<</O/Table/Scope/Column>>");
        }
        if let Some(alt) = &node.alt {
            d.extend_from_slice(b"/Alt");
            object(&mut d, &super::finish::text_string(alt));
        }
        d.extend_from_slice(b">>");
        raw.push((ids[i].0, d));
    }

    // The parent tree: for each page the element of each of its MCIDs, then
    // for each field its Form element.
    let mut r = Vec::with_capacity(64 + 8 * tree.pages.iter().map(Vec::len).sum::<usize>());
    r.extend_from_slice(b"<</Type/StructTreeRoot/K ");
    reference(&mut r, ids[Tree::ROOT]);
    r.extend_from_slice(b"/ParentTree<</Nums[");
    for (p, _) in pages.iter().enumerate() {
        let elems = tree.pages.get(p).map_or(&[][..], Vec::as_slice);
        object(&mut r, &Object::Integer(p as i64));
        r.push(b'[');
        for (k, &e) in elems.iter().enumerate() {
            if k > 0 {
                r.push(b' ');
            }
            reference(&mut r, ids[e]);
        }
        r.extend_from_slice(b"] ");
    }
    let forms = tree.nodes.iter().enumerate().flat_map(|(e, n)| {
        n.kids.iter().filter_map(move |k| match k {
            Kid::Widget { index, .. } => Some((*index, e)),
            _ => None,
        })
    });
    let mut forms: Vec<(usize, Elem)> = forms.collect();
    forms.sort_unstable();
    for (index, e) in &forms {
        object(&mut r, &Object::Integer((pages.len() + index) as i64));
        r.push(b' ');
        reference(&mut r, ids[*e]);
        r.push(b' ');
    }
    r.extend_from_slice(b"]>>/ParentTreeNextKey ");
    object(&mut r, &Object::Integer((pages.len() + widgets.len()) as i64));
    r.extend_from_slice(b">>");
    raw.push((root.0, r));

    for (index, &w) in widgets.iter().enumerate() {
        if let Ok(Object::Dictionary(d)) = lo.get_object_mut(w) {
            d.set("StructParent", Object::Integer((pages.len() + index) as i64));
        }
    }
    for (p, &page) in pages.iter().enumerate() {
        if let Ok(Object::Dictionary(d)) = lo.get_object_mut(page) {
            d.set("StructParents", Object::Integer(p as i64));
            d.set("Tabs", "S");
        }
    }
    (root, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Elements keep reading order, MCIDs count per page, and the parent
    // tree maps each MCID back to its element.
    #[test]
    fn numbers_marked_content_per_page_and_remembers_its_element() {
        let mut t = Tree::new();
        let h = t.add(Tree::ROOT, Role::H2);
        let table = t.add(Tree::ROOT, Role::Table);
        let td = t.add(table, Role::TD);
        assert_eq!(t.mark(h, 0), 0);
        assert_eq!(t.mark(td, 0), 1);
        assert_eq!(t.mark(td, 1), 0, "a new page starts at MCID 0");
        assert_eq!(t.pages, vec![vec![h, td], vec![td]]);
        assert_eq!(t.nodes[td].kids, [Kid::Content { page: 0, mcid: 1 }, Kid::Content { page: 1, mcid: 0 }]);
        assert_eq!(t.nodes[Tree::ROOT].kids, [Kid::Elem(h), Kid::Elem(table)]);
    }
}
