//! The amendment annex (diff.md, `ID-changes-LANG.pdf`): what changed
//! between two versions of a matrix, for the parties to accept. A second
//! document on the annex's page flow ([`Flow`]: tables that wrap and break
//! over pages with their header repeated, running header and footer,
//! bookmarks, tagging), finished by [`finish::finish`] like the annex.
//!
//! Top to bottom: the document's name and the matrix title; the matrix id,
//! both versions with their dates, the language; the SHA-256 of both source
//! files; a sentence saying what the document is; the count per kind; the
//! role codes; the changes of the matrix as a whole (subject, change); one
//! table per phase (NEW's order, then the phases NEW no longer has): id,
//! activity, the change in words, and per party its codes before → after;
//! "no changes" instead of all that when there are none; the acceptance
//! block with a signature field per signing party.

use std::cell::OnceCell;

use super::annex::{acceptance, signers};
use super::finish::{self, Attachment};
use super::flow::{Align, Cell, Composed, Flow, PAD_X, Running, Style, Table, Tag, nfc};
use super::tags::Role;
use super::wrap::wrap;
use crate::diff::{Codes, Entry, Group, Line, fill};
use crate::render::amendment::{AmendmentJob, changes_csv};
use crate::render::{Format, Output, RenderError};

/// Renders `ID-changes-LANG.pdf`.
///
/// # Errors
/// When font subsetting or serialisation fails (a defect, reported with the job).
pub fn render(job: &AmendmentJob<'_>) -> Result<Vec<Output>, RenderError> {
    let composed = compose(job);
    let v = job.view;
    let w = job.strings.amendment();
    let title = format!("{} – {}", v.title, w.title);
    let meta = finish::Meta {
        title: &title,
        subject: format!("{} – {} {} → {}", w.title, v.id, v.old.version, v.new.version),
        keywords: vec![
            "RACI".to_string(),
            v.id.to_string(),
            v.old.version.to_string(),
            v.new.version.to_string(),
            v.lang.to_string(),
        ],
        lang: v.lang,
        date: v.new.date,
        tool: &job.options.tool,
        seed: vec![&v.old.source.sha256, &v.new.source.sha256, v.lang.as_str(), &job.options.tool, "changes"],
        attachments: if job.options.attach_source { sources(job)? } else { Vec::new() },
    };
    let bytes = finish::finish(&meta, job.layout, composed).map_err(|e| job.error(Format::Pdf, e))?;
    Ok(vec![Output { file_name: format!("{}.pdf", job.stem()), bytes }])
}

/// What `--attach-source` embeds: both matrix files, byte for byte, as the
/// amendment's sources, and the run's `ID-changes-LANG.csv` as its data.
fn sources(job: &AmendmentJob<'_>) -> Result<Vec<Attachment>, RenderError> {
    let v = job.view;
    let w = job.strings.amendment();
    // A file read from standard input has no name; two files of one name
    // (two checkouts of `llmaas.yaml`) must not share one inside the PDF.
    let name = |file: &str| {
        if file.is_empty() || file.starts_with('<') { format!("{}.yaml", v.id) } else { file.to_string() }
    };
    let (mut old, mut new) = (name(&v.old.source.file_name), name(&v.new.source.file_name));
    if old == new {
        (old, new) = (format!("old-{old}"), format!("new-{new}"));
    }
    let csv = changes_csv(job)?;
    Ok(vec![
        Attachment {
            name: old,
            body: super::finish::packed(&v.old.source.sha256, &v.old.source.text),
            mime: "application/yaml",
            relationship: "Source",
            description: format!("{} {} ({})", v.id, v.old.version, w.previous_version),
        },
        Attachment {
            name: new,
            body: super::finish::packed(&v.new.source.sha256, &v.new.source.text),
            mime: "application/yaml",
            relationship: "Source",
            description: format!("{} {} ({})", v.id, v.new.version, w.new_version),
        },
        Attachment {
            name: csv.file_name,
            body: super::finish::Body::Plain(csv.bytes),
            mime: "text/csv",
            relationship: "Data",
            description: format!("{} {} → {} ({})", v.id, v.old.version, v.new.version, v.lang),
        },
    ])
}

/// Lays out the whole amendment of `job`.
fn compose(job: &AmendmentJob<'_>) -> Composed {
    let l = job.layout;
    let table_size = match job.view.parties.len() {
        0..=3 => l.table_size,
        4..=5 => l.table_size - 0.5,
        _ => l.table_size - 1.0,
    };
    let mut doc = Doc {
        f: Flow::new(l, job.strings, table_size),
        job,
        columns: OnceCell::new(),
        share: OnceCell::new(),
    };
    doc.document();
    let (v, s) = (job.view, job.strings);
    // Every page says what it is a page of: the matrix, and that this is its amendment.
    let title = format!("{} – {}", v.title, s.amendment().title);
    let running = Running {
        title: &title,
        version: format!("{} {} → {}", s.version, v.old.version, v.new.version),
        id: v.id,
        date: format!("{} {}", s.as_of, s.date(&v.new.date)),
    };
    doc.f.finish(&running)
}

/// The amendment being composed.
struct Doc<'a> {
    f: Flow<'a>,
    job: &'a AmendmentJob<'a>,
    /// The widths and header of every phase table.
    columns: OnceCell<(Vec<f32>, Vec<Cell>)>,
    /// The activity column's share of the text columns, the same in every phase table.
    share: OnceCell<f32>,
}

impl Doc<'_> {
    fn document(&mut self) {
        let (v, s) = (self.job.view, self.job.strings);
        let w = s.amendment();
        self.title_block();
        if v.total == 0 {
            self.f.paragraph(&w.no_changes, self.f.body, 0.0);
            self.f.y -= 6.0;
        } else {
            self.summary();
            if !v.matrix.is_empty() {
                self.matrix_table();
            }
            for g in &v.phases {
                self.group(g);
            }
        }
        let signing = signers(self.job.layout, v.signers.iter().map(|p| (p.id, p.name)));
        let intro = fill(&w.acceptance, &[("new", v.new.version)]);
        acceptance(&mut self.f, s.acceptance(), &intro, &signing);
    }

    /// The document's name, the matrix title, the facts, both fingerprints, the intro.
    fn title_block(&mut self) {
        let job = self.job;
        let (v, s, l) = (job.view, job.strings, job.layout);
        let w = s.amendment();
        let f = &mut self.f;
        let kind = Style { bold: true, size: l.body_size - 0.5, color: l.colors.muted };
        let y = f.y;
        f.tag = Tag::Elem(f.element(Role::P));
        f.line_at(f.left, y, &nfc(&w.title.to_uppercase()), kind);
        f.y -= kind.line_height() + 4.0;
        let title = Style { bold: true, size: l.title_size, color: l.colors.accent };
        f.paragraph_as(Role::H1, v.title, title, 0.0);
        f.y -= 4.0;
        f.hline(f.left, f.right, f.y, l.colors.accent, 1.2);
        f.y -= 10.0;
        let lang = format!("{} ({})", s.language_name, v.lang);
        let facts = [
            (s.matrix_id.as_str(), v.id.to_string()),
            (w.previous_version.as_str(), v.old.label.clone()),
            (w.new_version.as_str(), v.new.label.clone()),
            (s.language.as_str(), lang),
        ];
        let label = Style { bold: true, ..f.body };
        let label_w =
            facts.iter().map(|(k, _)| label.face().width(&nfc(k), label.size)).fold(0.0, f32::max) + 12.0;
        for (k, value) in facts {
            let top = f.y;
            f.tag = Tag::Elem(f.element(Role::P));
            f.line_at(f.left, top, &nfc(k), label);
            for line in wrap(&nfc(&value), f.body.face(), f.body.size, f.content_width() - label_w) {
                let top = f.y;
                f.line_at(f.left + label_w, top, &line, f.body);
                f.y -= f.body.line_height();
            }
        }
        f.y -= 6.0;
        let mono = Style { bold: true, ..f.body };
        for side in [&v.old, &v.new] {
            let file = &side.source.file_name;
            f.paragraph(&fill(&w.fingerprint, &[("version", side.version), ("file", file)]), f.small, 0.0);
            f.paragraph(&side.source.sha256, mono, 0.0);
            f.y -= 3.0;
        }
        f.y -= 5.0;
        let intro = fill(&w.intro, &[("id", v.id), ("old", v.old.version), ("new", v.new.version)]);
        f.paragraph(&intro, f.body, 0.0);
        f.y -= 4.0;
    }

    /// The count per kind, with the total; then what the codes mean.
    fn summary(&mut self) {
        let job = self.job;
        let (v, w) = (job.view, job.strings.amendment());
        let f = &mut self.f;
        let count_w =
            (f.table_bold.face().width(&nfc(&w.count), f.table_bold.size) + 2.0 * PAD_X + 8.0).max(56.0);
        let kind_w = v
            .counts
            .iter()
            .map(|c| f.table_text.face().width(&nfc(&c.label), f.table_text.size))
            .fold(f.table_bold.face().width(&nfc(&w.kind), f.table_bold.size), f32::max)
            .max(f.table_bold.face().width(&nfc(&w.total), f.table_bold.size))
            + 2.0 * PAD_X
            + 12.0;
        let kind_w = kind_w.min(f.content_width() - count_w);
        let header = vec![
            f.cell(&w.kind, f.table_bold, kind_w, Align::Left),
            f.cell(&w.count, f.table_bold, count_w, Align::Center),
        ];
        let t = Table { widths: vec![kind_w, count_w], header, caption: w.summary_heading.clone() };
        let mut rows: Vec<Vec<Cell>> = v
            .counts
            .iter()
            .map(|c| {
                vec![
                    f.cell(&c.label, f.table_text, kind_w, Align::Left),
                    f.cell(&c.n.to_string(), f.table_text, count_w, Align::Center),
                ]
            })
            .collect();
        let bold = Style { bold: true, ..f.table_text };
        rows.push(vec![
            f.cell(&w.total, bold, kind_w, Align::Left),
            f.cell(&v.total.to_string(), bold, count_w, Align::Center),
        ]);
        let first = rows.first().map_or(0.0, |r| Flow::row_height(r));
        f.heading(&w.summary_heading, 0, Flow::row_height(&t.header) + first);
        f.table_start(&t);
        for cells in rows {
            f.row(&t, cells);
        }
        f.end_table();
        f.close_segment();
        f.y -= 8.0;
        f.paragraph(&v.codes, f.body, 0.0);
    }

    /// The change cell: each change in words, its earlier and later wording
    /// under it in smaller type, a little space between changes.
    fn change_cell(&self, lines: &[Line<'_>], width: f32) -> Cell {
        let f = &self.f;
        let room = width - 2.0 * PAD_X;
        let (st, note) = (f.table_text, f.note_style);
        let mut out: Vec<(String, Style)> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                out.push((String::new(), Style { size: st.size * 0.45, ..st }));
            }
            out.extend(wrap(&nfc(&l.words), st.face(), st.size, room).into_iter().map(|x| (x, st)));
            for d in &l.details {
                out.extend(wrap(&nfc(d), note.face(), note.size, room).into_iter().map(|x| (x, note)));
            }
        }
        Cell { lines: out, align: Align::Left, repeated: false }
    }

    /// The changes of the matrix as a whole: subject, change.
    fn matrix_table(&mut self) {
        let job = self.job;
        let (v, w) = (job.view, job.strings.amendment());
        let cw = self.f.content_width();
        let subject_w = (cw * 0.3).round();
        let widths = vec![subject_w, cw - subject_w];
        let header = vec![
            self.f.cell(&w.subject, self.f.table_bold, widths[0], Align::Left),
            self.f.cell(&w.change, self.f.table_bold, widths[1], Align::Left),
        ];
        let t = Table { widths, header, caption: w.matrix_heading.clone() };
        let rows: Vec<Vec<Cell>> = v
            .matrix
            .iter()
            .map(|e| {
                let subject = Style { bold: true, ..self.f.table_text };
                vec![
                    self.f.cell(&e.text, subject, t.widths[0], Align::Left),
                    self.change_cell(&e.changes, t.widths[1]),
                ]
            })
            .collect();
        let keep = self.keep(&t, rows.first());
        self.f.heading(&w.matrix_heading, 0, keep);
        self.f.table_start(&t);
        for cells in rows {
            self.f.row(&t, cells);
        }
    }

    /// Room to keep under a heading: the table header and the first row (a
    /// few of its lines if it is taller than a page).
    fn keep(&self, t: &Table, first: Option<&Vec<Cell>>) -> f32 {
        let fresh = self.f.top - self.f.bottom - self.f.header_space(t);
        let first_h = first.map_or(0.0, |r| {
            let h = Flow::row_height(r);
            if h <= fresh { h } else { self.f.min_split() }
        });
        Flow::row_height(&t.header) + first_h
    }

    /// What a party column shows: the codes when they did not change,
    /// "before → after" when they did; the sign for no role where there is none.
    fn codes_text(&self, c: &Codes<'_>) -> String {
        let none = &self.job.strings.amendment().no_role;
        let show = |s: &str| if s.is_empty() { none.clone() } else { s.to_string() };
        if c.changed() { format!("{} → {}", show(c.before), show(c.after)) } else { show(c.after) }
    }

    /// The columns of a phase table: id, activity, change, then one per
    /// party, or, when the parties are too many for a column each to hold
    /// its name (more than five, or a name that would need type under
    /// 6.5 pt), one column listing each party with its codes.
    fn phase_table(&self, caption: &str) -> Table {
        // The same columns in every phase table: measured over every row once.
        let (widths, header) = self.columns.get_or_init(|| self.measure_columns());
        Table { widths: widths.clone(), header: header.clone(), caption: caption.to_string() }
    }

    fn measure_columns(&self) -> (Vec<f32>, Vec<Cell>) {
        let job = self.job;
        let (v, s, w) = (job.view, job.strings, job.strings.amendment());
        let f = &self.f;
        let cw = f.content_width();
        let n = v.parties.len() as f32;
        let bold = f.table_bold;
        let entries = || v.phases.iter().flat_map(|g| &g.entries);
        // Wide enough for the longest name, or "RA → RAC", on one line where the page allows.
        let widest_codes = entries()
            .flat_map(|e| &e.codes)
            .map(|c| bold.face().width(&nfc(&self.codes_text(c)), bold.size))
            .fold(0.0, f32::max);
        let widest_name =
            v.parties.iter().map(|p| bold.face().width(&nfc(p.name), bold.size)).fold(0.0, f32::max);
        let party_w =
            (widest_name.max(widest_codes) + 2.0 * PAD_X + 4.0).clamp(34.0, ((cw * 0.4) / n).max(34.0));
        let longest_word =
            |name: &str| name.split(' ').map(|x| bold.face().width(x, bold.size)).fold(0.0, f32::max);
        let room = party_w - 2.0 * PAD_X;
        let stacked = v.parties.len() > 5
            || v.parties.iter().any(|p| bold.size * room / longest_word(&nfc(p.name)) < 6.5);
        let id_w = entries()
            .map(|e| f.table_text.face().width(e.id, f.table_text.size))
            .fold(bold.face().width(&nfc(&s.activity_id), bold.size), f32::max)
            .clamp(24.0, cw * 0.2)
            + 2.0 * PAD_X;
        let parties_w = if stacked {
            let line = entries()
                .flat_map(|e| e.codes.iter().zip(&v.parties))
                .map(|(c, p)| {
                    bold.face().width(&nfc(&format!("{}: {}", p.name, self.codes_text(c))), bold.size)
                })
                .fold(bold.face().width(&nfc(&w.roles), bold.size), f32::max);
            (line + 2.0 * PAD_X + 2.0).clamp(0.2 * (cw - id_w), 0.3 * (cw - id_w))
        } else {
            party_w * n
        };
        let rest = cw - id_w - parties_w;
        let activity_w = (rest * self.activity_share(rest)).round();
        let mut widths = vec![id_w, activity_w, rest - activity_w];
        let mut header = vec![
            f.cell(&s.activity_id, bold, widths[0], Align::Left),
            f.cell(&s.activity, bold, widths[1], Align::Left),
            f.cell(&w.change, bold, widths[2], Align::Left),
        ];
        if stacked {
            widths.push(parties_w);
            header.push(f.cell(&w.roles, bold, parties_w, Align::Left));
            return (widths, header);
        }
        widths.extend(v.parties.iter().map(|_| party_w));
        // A narrow party column takes its name in smaller type rather than
        // breaking a word (down to 6.5 pt: else the parties are stacked).
        header.extend(v.parties.iter().map(|p| {
            let name = nfc(p.name);
            let longest = longest_word(&name);
            let size = if longest > room { bold.size * room / longest } else { bold.size };
            f.cell(&name, Style { size, ..bold }, party_w, Align::Center)
        }));
        (widths, header)
    }

    /// The activity column's share of the room the id and party columns
    /// leave: in proportion to what the two columns hold (each row counted
    /// up to three lines' worth, so that one long text does not decide), so
    /// that neither wraps much more than the other; measured once.
    fn activity_share(&self, room: f32) -> f32 {
        *self.share.get_or_init(|| {
            let st = self.f.table_text;
            let width = |s: &str| st.face().width(s, st.size).min(3.0 * room);
            let (mut activity, mut change) = (0.0, 0.0);
            for e in self.job.view.phases.iter().flat_map(|g| &g.entries) {
                activity += width(&e.text) + e.place.as_deref().map_or(0.0, width);
                change += e
                    .changes
                    .iter()
                    .map(|l| width(&l.words) + l.details.iter().map(|d| width(d)).sum::<f32>())
                    .sum::<f32>();
            }
            let share = if activity + change <= 0.0 {
                0.5
            } else {
                (activity / (activity + change)).clamp(0.4, 0.55)
            };
            // Neither column narrower than its longest word (a long German compound), where the room allows.
            let word = |s: &str| s.split(' ').map(|w| st.face().width(w, st.size)).fold(0.0, f32::max);
            let entries = || self.job.view.phases.iter().flat_map(|g| &g.entries);
            let pad = 2.0 * PAD_X + 1.0;
            let activity_min = entries().map(|e| word(&e.text)).fold(0.0, f32::max) + pad;
            let change_min = entries()
                .flat_map(|e| &e.changes)
                .flat_map(|l| std::iter::once(&l.words).chain(&l.details))
                .map(|t| word(t))
                .fold(0.0, f32::max)
                + pad;
            if activity_min + change_min > room {
                return share;
            }
            share.clamp(activity_min / room, 1.0 - change_min / room)
        })
    }

    /// One row of a phase table.
    fn entry_cells(&self, t: &Table, e: &Entry<'_>) -> Vec<Cell> {
        let f = &self.f;
        let (st, note) = (f.table_text, f.note_style);
        let mut text = Cell { lines: Vec::new(), align: Align::Left, repeated: false };
        if let Some(place) = &e.place {
            text.lines.extend(
                wrap(&nfc(place), note.face(), note.size, t.widths[1] - 2.0 * PAD_X)
                    .into_iter()
                    .map(|x| (x, note)),
            );
        }
        // A section's row names the section: its heading in bold.
        let text_st = if e.id.is_empty() { Style { bold: true, ..st } } else { st };
        text.lines.extend(
            wrap(&nfc(&e.text), text_st.face(), text_st.size, t.widths[1] - 2.0 * PAD_X)
                .into_iter()
                .map(|x| (x, text_st)),
        );
        let mut cells =
            vec![f.cell(e.id, st, t.widths[0], Align::Left), text, self.change_cell(&e.changes, t.widths[2])];
        let changed = Style { bold: true, color: self.job.layout.colors.accent, ..st };
        let same = Style { color: self.job.layout.colors.muted, ..st };
        if t.widths.len() == 4 && self.job.view.parties.len() != 1 {
            // The parties stacked in one column: each that holds a role in
            // either version, one per line, its name and its codes.
            let room = t.widths[3] - 2.0 * PAD_X;
            let mut roles = Cell { lines: Vec::new(), align: Align::Left, repeated: false };
            for (c, p) in e.codes.iter().zip(&self.job.view.parties) {
                if c.before.is_empty() && c.after.is_empty() {
                    continue;
                }
                let style = if c.changed() { changed } else { same };
                let text = nfc(&format!("{}: {}", p.name, self.codes_text(c)));
                roles
                    .lines
                    .extend(wrap(&text, style.face(), style.size, room).into_iter().map(|x| (x, style)));
            }
            cells.push(roles);
            return cells;
        }
        for (i, w) in t.widths[3..].iter().enumerate() {
            cells.push(match e.codes.get(i) {
                Some(c) => {
                    f.cell(&self.codes_text(c), if c.changed() { changed } else { same }, *w, Align::Center)
                }
                None => f.cell("", st, *w, Align::Center),
            });
        }
        cells
    }

    /// A phase's heading and the table of its changes.
    fn group(&mut self, g: &Group<'_>) {
        let t = self.phase_table(&g.heading);
        let rows: Vec<Vec<Cell>> = g.entries.iter().map(|e| self.entry_cells(&t, e)).collect();
        let keep = self.keep(&t, rows.first());
        self.f.heading(&g.heading, 0, keep);
        self.f.table_start(&t);
        for cells in rows {
            self.f.row(&t, cells);
        }
    }
}
