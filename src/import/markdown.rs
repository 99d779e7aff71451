//! Markdown → blocks: one page parsed with pulldown-cmark (CommonMark with
//! GitHub tables, footnotes and a YAML front matter block) into the few block
//! kinds the importer reads, each with its line number.
//!
//! Inline markup (emphasis, strong, links, images, code spans) is dropped
//! here and the words kept: what a reader sees, not how it was typed.
//! Escapes and entities are undone by the parser itself. Nothing in this
//! module knows about RACI: [`super::page`] gives the blocks their meaning.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Containers (quotes, lists, footnotes) nested deeper than this are read as
/// if they were not there: their blocks join the enclosing container. Real
/// pages nest two or three levels; a hostile page cannot make the later
/// recursive walks overflow the stack.
const MAX_NESTING: usize = 16;

/// One line of inline text: what the reader sees between two line breaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Line {
    /// The text, markup removed, escapes and entities undone.
    pub text: String,
    /// Byte offset in the page where the line's first piece of text starts.
    pub start: usize,
    /// Whether a hard line break (two trailing spaces, `\`, `<br>`) ended the line before.
    pub hard: bool,
    /// Whether the line starts with `:::` as written in the page (a
    /// Docusaurus admonition fence), not with an escaped `\:::`.
    pub fence: bool,
    /// Byte offsets in `text` of `_` characters typed as such (not escaped,
    /// not in code): the candidates for [`Inline::strip_stray_underscores`].
    loose: Vec<usize>,
}

/// Inline content of a paragraph, heading or table cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Inline {
    /// The lines, split at soft and hard line breaks (and `<br>`).
    pub lines: Vec<Line>,
    /// Labels of the footnote references (`[^label]`) met, in order.
    pub refs: Vec<String>,
}

impl Inline {
    /// The text on one line: lines joined with a space, runs of white space
    /// at the joins and at both ends removed.
    pub(super) fn plain(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            let t = l.text.trim();
            if t.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    }

    /// Appends text found at byte `at` of `page`; `code` for a code span's text.
    fn push_text(&mut self, s: &str, at: usize, page: &str, code: bool) {
        let fence = page.get(at..).is_some_and(|p| p.starts_with(":::"))
            && (at == 0 || page.as_bytes().get(at - 1) != Some(&b'\\'));
        if self.lines.is_empty() {
            self.lines.push(Line { start: at, fence, ..Line::default() });
        }
        let Some(l) = self.lines.last_mut() else { return };
        if l.text.is_empty() {
            l.start = at;
            l.fence = fence;
        }
        // Underscores typed as such: the text is the page's bytes here, and
        // no backslash stands before the `_`.
        if !code && page.get(at..at + s.len()) == Some(s) {
            for (i, _) in s.match_indices('_') {
                let backslashes = page[..at + i].bytes().rev().take_while(|&b| b == b'\\').count();
                if backslashes % 2 == 0 {
                    l.loose.push(l.text.len() + i);
                }
            }
        }
        l.text.push_str(s);
    }

    fn break_line(&mut self, at: usize, hard: bool) {
        if self.lines.is_empty() {
            self.lines.push(Line { start: at, ..Line::default() });
        }
        self.lines.push(Line { start: at, hard, ..Line::default() });
    }

    /// Removes `__` runs that the parser left as text because they touch a
    /// letter (`__R__éalise`: CommonMark has no intraword `_` emphasis), so
    /// that such markup goes as all markup does. Escaped (`\_\_`) and code
    /// underscores stay.
    fn strip_stray_underscores(&mut self) {
        for l in &mut self.lines {
            if l.loose.len() < 2 {
                continue;
            }
            let bytes = l.text.as_bytes();
            let mut drop: Vec<std::ops::Range<usize>> = Vec::new();
            let mut i = 0;
            while i < l.loose.len() {
                let mut j = i;
                while j + 1 < l.loose.len() && l.loose[j + 1] == l.loose[j] + 1 {
                    j += 1;
                }
                let (start, end) = (l.loose[i], l.loose[j] + 1);
                // The run must be the whole run of `_` there (none escaped next to it).
                let whole = (start == 0 || bytes[start - 1] != b'_') && bytes.get(end) != Some(&b'_');
                let word = |s: &str| s.chars().next().is_some_and(char::is_alphanumeric);
                let before = l.text[..start].chars().next_back().map(String::from).unwrap_or_default();
                if whole && end - start >= 2 && (word(&before) || word(&l.text[end..])) {
                    drop.push(start..end);
                }
                i = j + 1;
            }
            for r in drop.into_iter().rev() {
                l.text.replace_range(r, "");
            }
            l.loose.clear();
        }
    }
}

/// A table row (or the header row) with the line it starts on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Row {
    /// The cells, left to right.
    pub cells: Vec<Inline>,
    /// 1-based line.
    pub line: u32,
}

/// An item of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    /// The marker as written: `-`, `*`, `+`, or the number and its
    /// delimiter (`1.`, `2)`).
    pub marker: String,
    /// The item's blocks.
    pub blocks: Vec<Block>,
    /// 1-based line.
    pub line: u32,
}

/// The block kinds the importer reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// `#`…`######` or a setext heading.
    Heading {
        /// 1 to 6.
        level: u8,
        /// The heading text (a trailing `{#id}` anchor removed).
        text: Inline,
        /// 1-based line.
        line: u32,
    },
    /// A paragraph.
    Paragraph {
        /// Its text.
        text: Inline,
        /// 1-based line.
        line: u32,
    },
    /// A block quote (also the body of a `> **Note**` remark).
    Quote {
        /// The quoted blocks.
        blocks: Vec<Block>,
        /// 1-based line.
        line: u32,
    },
    /// A bullet or numbered list.
    List {
        /// The items.
        items: Vec<Item>,
        /// 1-based line.
        line: u32,
    },
    /// A GitHub table.
    Table {
        /// The header row.
        head: Row,
        /// The body rows.
        rows: Vec<Row>,
        /// 1-based line.
        line: u32,
    },
    /// A thematic break (`---`).
    Rule {
        /// 1-based line.
        line: u32,
    },
    /// A fenced or indented code block: its text.
    Code {
        /// The code, as written.
        text: String,
        /// 1-based line.
        line: u32,
    },
    /// A block of raw HTML (or MDX): not read.
    Html {
        /// 1-based line.
        line: u32,
    },
    /// A footnote definition `[^label]: ...`.
    Footnote {
        /// The label as written.
        label: String,
        /// Its blocks.
        blocks: Vec<Block>,
        /// 1-based line.
        line: u32,
    },
}

impl Block {
    /// The 1-based line the block starts on.
    pub(super) fn line(&self) -> u32 {
        match self {
            Block::Heading { line, .. }
            | Block::Paragraph { line, .. }
            | Block::Quote { line, .. }
            | Block::List { line, .. }
            | Block::Table { line, .. }
            | Block::Rule { line }
            | Block::Code { line, .. }
            | Block::Html { line }
            | Block::Footnote { line, .. } => *line,
        }
    }
}

/// A page split into its front matter and its blocks.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// The YAML between the opening and closing `---`, with the 1-based line
    /// its first line is on.
    pub front_matter: Option<(String, u32)>,
    /// The blocks, in page order.
    pub blocks: Vec<Block>,
}

/// Byte offset → 1-based line number.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    /// Indexes the line starts of `text`.
    pub(super) fn new(text: &str) -> Lines {
        let mut v = vec![0];
        v.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines(v)
    }

    /// The 1-based line holding byte `offset`.
    pub(super) fn line(&self, offset: usize) -> u32 {
        let i = self.0.partition_point(|&s| s <= offset);
        u32::try_from(i.max(1)).unwrap_or(u32::MAX)
    }
}

/// An open container while the events are read.
enum Frame {
    Quote {
        blocks: Vec<Block>,
        line: u32,
    },
    List {
        items: Vec<Item>,
        line: u32,
        number: Option<u64>,
    },
    Item {
        marker: String,
        blocks: Vec<Block>,
        line: u32,
    },
    Footnote {
        label: String,
        blocks: Vec<Block>,
        line: u32,
    },
    /// A container past [`MAX_NESTING`]: its blocks go to the one below.
    Flat,
}

/// What inline text is being collected for.
enum Open {
    None,
    Paragraph { text: Inline, line: u32, implicit: bool },
    Heading { level: u8, text: Inline, line: u32, put_back: Option<String> },
    Cell { text: Inline },
    Code { text: String, line: u32 },
    Html { line: u32 },
    Meta { text: String, line: u32 },
}

/// The table being read.
struct TableState {
    head: Row,
    rows: Vec<Row>,
    in_head: bool,
    line: u32,
}

/// Parses a page. Never fails: any text is some CommonMark.
pub(crate) fn parse(text: &str) -> Parsed {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH;
    let lines = Lines::new(text);
    let mut b = Builder {
        text,
        lines: &lines,
        top: Vec::new(),
        frames: Vec::new(),
        open: Open::None,
        table: None,
        front: None,
    };
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        b.event(event, range);
    }
    b.close_implicit();
    while !b.frames.is_empty() {
        b.pop_frame();
    }
    Parsed { front_matter: b.front, blocks: b.top }
}

struct Builder<'a> {
    text: &'a str,
    lines: &'a Lines,
    top: Vec<Block>,
    frames: Vec<Frame>,
    open: Open,
    table: Option<TableState>,
    front: Option<(String, u32)>,
}

impl Builder<'_> {
    fn line(&self, offset: usize) -> u32 {
        self.lines.line(offset)
    }

    /// Where a finished block goes: the innermost real container, else the page.
    fn push_block(&mut self, block: Block) {
        for f in self.frames.iter_mut().rev() {
            match f {
                Frame::Quote { blocks, .. } | Frame::Item { blocks, .. } | Frame::Footnote { blocks, .. } => {
                    blocks.push(block);
                    return;
                }
                // Blocks straight in a list (never produced by the parser) or
                // in a flattened container fall through to the next one.
                Frame::List { .. } | Frame::Flat => {}
            }
        }
        self.top.push(block);
    }

    fn depth(&self) -> usize {
        self.frames.iter().filter(|f| !matches!(f, Frame::Flat)).count()
    }

    fn push_frame(&mut self, f: Frame) {
        if self.depth() >= MAX_NESTING { self.frames.push(Frame::Flat) } else { self.frames.push(f) }
    }

    fn pop_frame(&mut self) {
        self.close_implicit();
        let Some(f) = self.frames.pop() else { return };
        match f {
            Frame::Quote { blocks, line } => self.push_block(Block::Quote { blocks, line }),
            Frame::List { items, line, .. } => self.push_block(Block::List { items, line }),
            Frame::Item { marker, blocks, line } => {
                let item = Item { marker, blocks, line };
                match self.frames.iter_mut().rev().find(|f| !matches!(f, Frame::Flat)) {
                    Some(Frame::List { items, .. }) => items.push(item),
                    // An item whose list was flattened: its blocks stay in order.
                    _ => {
                        for b in item.blocks {
                            self.push_block(b);
                        }
                    }
                }
            }
            Frame::Footnote { label, blocks, line } => {
                self.push_block(Block::Footnote { label, blocks, line })
            }
            Frame::Flat => {}
        }
    }

    /// Text straight in a tight list item comes without a paragraph: one is
    /// opened for it and closed by the next block.
    fn close_implicit(&mut self) {
        if let Open::Paragraph { implicit: true, .. } = self.open
            && let Open::Paragraph { mut text, line, .. } = std::mem::replace(&mut self.open, Open::None)
        {
            text.strip_stray_underscores();
            self.push_block(Block::Paragraph { text, line });
        }
    }

    fn inline(&mut self) -> Option<&mut Inline> {
        match &mut self.open {
            Open::Paragraph { text, .. } | Open::Heading { text, .. } | Open::Cell { text } => Some(text),
            _ => None,
        }
    }

    fn text(&mut self, s: &str, at: usize, code: bool) {
        match &mut self.open {
            Open::Code { text, .. } | Open::Meta { text, .. } => text.push_str(s),
            Open::Html { .. } => {}
            Open::None => {
                let line = self.line(at);
                let mut text = Inline::default();
                text.push_text(s, at, self.text, code);
                self.open = Open::Paragraph { text, line, implicit: true };
            }
            _ => {
                let page = self.text;
                if let Some(t) = self.inline() {
                    t.push_text(s, at, page, code);
                }
            }
        }
    }

    fn line_break(&mut self, at: usize, hard: bool) {
        if let Some(t) = self.inline() {
            t.break_line(at, hard);
        }
    }

    fn event(&mut self, event: Event<'_>, range: std::ops::Range<usize>) {
        let at = range.start;
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag, range),
            Event::Text(s) => self.text(&s, at, false),
            Event::Code(s) | Event::InlineMath(s) | Event::DisplayMath(s) => self.text(&s, at, true),
            Event::SoftBreak => self.line_break(at, false),
            Event::HardBreak => self.line_break(at, true),
            Event::InlineHtml(h) | Event::Html(h) => {
                if matches!(self.open, Open::Html { .. }) {
                    return;
                }
                let tag = h.trim().to_ascii_lowercase();
                if tag.starts_with("<br") {
                    self.line_break(at, true);
                }
            }
            Event::FootnoteReference(label) => {
                if let Some(t) = self.inline() {
                    t.refs.push(label.to_string());
                }
            }
            Event::Rule => {
                self.close_implicit();
                let line = self.line(at);
                self.push_block(Block::Rule { line });
            }
            Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: std::ops::Range<usize>) {
        let line = self.line(range.start);
        match tag {
            Tag::Paragraph => {
                self.close_implicit();
                self.open = Open::Paragraph { text: Inline::default(), line, implicit: false };
            }
            Tag::Heading { level, classes, attrs, .. } => {
                self.close_implicit();
                // `{#id}` alone is a Docusaurus anchor and is dropped; `{.class}`
                // or `{key=value}` is no anchor: it was probably text, put back.
                let anchor_only = classes.is_empty() && attrs.is_empty();
                let put_back = if anchor_only {
                    None
                } else {
                    let src = &self.text[range];
                    src.rfind('{').map(|i| src[i..].trim_end().to_owned())
                };
                self.open =
                    Open::Heading { level: heading_level(level), text: Inline::default(), line, put_back };
            }
            Tag::BlockQuote(_) => {
                self.close_implicit();
                self.push_frame(Frame::Quote { blocks: Vec::new(), line });
            }
            Tag::List(number) => {
                self.close_implicit();
                self.push_frame(Frame::List { items: Vec::new(), line, number });
            }
            Tag::Item => {
                self.close_implicit();
                let marker = self.marker(range.start);
                self.push_frame(Frame::Item { marker, blocks: Vec::new(), line });
            }
            Tag::FootnoteDefinition(label) => {
                self.close_implicit();
                self.push_frame(Frame::Footnote { label: label.to_string(), blocks: Vec::new(), line });
            }
            Tag::Table(_) => {
                self.close_implicit();
                self.table =
                    Some(TableState { head: Row::default(), rows: Vec::new(), in_head: false, line });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                    t.head.line = line;
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Row { cells: Vec::new(), line });
                }
            }
            Tag::TableCell => self.open = Open::Cell { text: Inline::default() },
            Tag::CodeBlock(_) => {
                self.close_implicit();
                self.open = Open::Code { text: String::new(), line };
            }
            Tag::HtmlBlock => {
                self.close_implicit();
                self.open = Open::Html { line };
            }
            Tag::MetadataBlock(_) => {
                self.close_implicit();
                // The YAML starts on the line after the opening `---`.
                self.open = Open::Meta { text: String::new(), line: line + 1 };
            }
            _ => {}
        }
    }

    /// The list marker of the item starting at `at`: the number the list
    /// counts to, or the bullet character as written.
    fn marker(&mut self, at: usize) -> String {
        let src = self.text.get(at..).unwrap_or("");
        let src = src.trim_start();
        let Some(Frame::List { number, .. }) =
            self.frames.iter_mut().rev().find(|f| !matches!(f, Frame::Flat))
        else {
            return src.chars().next().map(String::from).unwrap_or_default();
        };
        match number {
            Some(n) => {
                let delim =
                    src.trim_start_matches(|c: char| c.is_ascii_digit()).chars().next().unwrap_or('.');
                let m = format!("{n}{delim}");
                *n = n.saturating_add(1);
                m
            }
            None => src.chars().next().map(String::from).unwrap_or_default(),
        }
    }

    fn end(&mut self, tag: TagEnd, _range: std::ops::Range<usize>) {
        match tag {
            TagEnd::Paragraph => {
                if let Open::Paragraph { mut text, line, .. } = std::mem::replace(&mut self.open, Open::None)
                {
                    text.strip_stray_underscores();
                    self.push_block(Block::Paragraph { text, line });
                }
            }
            TagEnd::Heading(_) => {
                if let Open::Heading { level, mut text, line, put_back } =
                    std::mem::replace(&mut self.open, Open::None)
                {
                    text.strip_stray_underscores();
                    if let Some(raw) = put_back {
                        if let Some(l) = text.lines.last_mut() {
                            l.text.push(' ');
                            l.text.push_str(&raw);
                        } else {
                            text.lines.push(Line { text: raw, ..Line::default() });
                        }
                    }
                    self.push_block(Block::Heading { level, text, line });
                }
            }
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition => {
                self.pop_frame()
            }
            TagEnd::TableCell => {
                if let Open::Cell { mut text } = std::mem::replace(&mut self.open, Open::None)
                    && let Some(t) = &mut self.table
                {
                    text.strip_stray_underscores();
                    if t.in_head {
                        t.head.cells.push(text);
                    } else if let Some(r) = t.rows.last_mut() {
                        r.cells.push(text);
                    }
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.push_block(Block::Table { head: t.head, rows: t.rows, line: t.line });
                }
            }
            TagEnd::CodeBlock => {
                if let Open::Code { text, line } = std::mem::replace(&mut self.open, Open::None) {
                    self.push_block(Block::Code { text, line });
                }
            }
            TagEnd::HtmlBlock => {
                if let Open::Html { line } = std::mem::replace(&mut self.open, Open::None) {
                    self.push_block(Block::Html { line });
                }
            }
            TagEnd::MetadataBlock(_) => {
                if let Open::Meta { text, line } = std::mem::replace(&mut self.open, Open::None)
                    && self.front.is_none()
                    && self.top.is_empty()
                {
                    self.front = Some((text, line));
                }
            }
            _ => {}
        }
    }
}

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para_text(b: &Block) -> String {
        match b {
            Block::Paragraph { text, .. } => text.plain(),
            other => panic!("not a paragraph: {other:?}"),
        }
    }

    #[test]
    fn reads_front_matter_headings_tables_and_lines() {
        let p = parse(
            "---\ntitle: T\n---\n\n# Title\n\nIntro **bold** and __under__ [link](x) `code`.\n\n## Phase\n\n| Activité | Client |\n|---|---|\n| a \\| b | __C, I__ |\n",
        );
        assert_eq!(p.front_matter, Some(("title: T\n".into(), 2)));
        assert!(matches!(&p.blocks[0], Block::Heading { level: 1, line: 5, .. }));
        assert_eq!(para_text(&p.blocks[1]), "Intro bold and under link code.");
        let Block::Table { head, rows, line } = &p.blocks[3] else { panic!("{:?}", p.blocks[3]) };
        assert_eq!(*line, 11);
        assert_eq!(head.cells[0].plain(), "Activité");
        assert_eq!(rows[0].cells[0].plain(), "a | b");
        assert_eq!(rows[0].cells[1].plain(), "C, I");
        assert_eq!(rows[0].line, 13);
    }

    #[test]
    fn splits_lines_at_breaks_and_keeps_where_they_start() {
        let src = "*(1) one*  \n*(2) two*\n\\:::not\n:::real\n";
        let p = parse(src);
        let Block::Paragraph { text, .. } = &p.blocks[0] else { panic!() };
        let texts: Vec<&str> = text.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["(1) one", "(2) two", ":::not", ":::real"]);
        assert!(!text.lines[2].fence);
        assert!(text.lines[3].fence);
        assert!(text.lines[1].hard && !text.lines[2].hard);
    }

    #[test]
    fn keeps_list_markers_footnotes_and_quotes() {
        let p = parse("1. first\n2. second\n\n* star\n\nA[^n].\n\n[^n]: The note.\n\n> quoted\n> more\n");
        let Block::List { items, .. } = &p.blocks[0] else { panic!() };
        assert_eq!(items.iter().map(|i| i.marker.as_str()).collect::<Vec<_>>(), ["1.", "2."]);
        let Block::List { items, .. } = &p.blocks[1] else { panic!() };
        assert_eq!(items[0].marker, "*");
        let Block::Paragraph { text, .. } = &p.blocks[2] else { panic!() };
        assert_eq!(text.refs, ["n"]);
        assert!(matches!(&p.blocks[3], Block::Footnote { label, .. } if label == "n"));
        let Block::Quote { blocks, .. } = &p.blocks[4] else { panic!() };
        assert_eq!(para_text(&blocks[0]), "quoted more");
    }

    #[test]
    fn drops_underscores_the_parser_left_but_keeps_escaped_and_code_ones() {
        let p = parse("__R__éalise, \\_\\_x\\_\\_, `__init__`, snake_case, a __b__ c\n");
        assert_eq!(para_text(&p.blocks[0]), "Réalise, __x__, __init__, snake_case, a b c");
    }

    #[test]
    fn drops_a_docusaurus_anchor_but_keeps_other_braces() {
        let p = parse("## Title {#my-id}\n\n## Set-up {beta}\n");
        let titles: Vec<String> = p
            .blocks
            .iter()
            .map(|b| match b {
                Block::Heading { text, .. } => text.plain(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(titles, ["Title", "Set-up {beta}"]);
    }

    #[test]
    fn deep_nesting_is_flattened() {
        let src = format!("{}deep\n", "> ".repeat(10_000));
        let p = parse(&src);
        fn depth(b: &[Block]) -> usize {
            b.iter()
                .map(|x| if let Block::Quote { blocks, .. } = x { 1 + depth(blocks) } else { 0 })
                .max()
                .unwrap_or(0)
        }
        assert!(depth(&p.blocks) <= MAX_NESTING);
    }
}
