//! Line breaking by real glyph widths: greedy, word by word at spaces; a word
//! wider than the line is broken between characters (a 300-character token
//! must never run past its cell). Paragraphs (`"\n\n"`) become an empty line.

use crate::fonts::Face;

/// Breaks `text` into lines no wider than `width` points at `size` points.
/// An empty string between paragraphs marks a paragraph gap.
pub fn wrap(text: &str, face: &Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let width = width.max(size); // at least one character per line
    let space = face.width(" ", size);
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in para.split([' ', '\n', '\t']).filter(|w| !w.is_empty()) {
            let w = face.width(word, size);
            if !line.is_empty() && line_w + space + w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if w <= width {
                line.push_str(word);
                line_w = w;
                continue;
            }
            // Break an over-long word between characters.
            for c in word.chars() {
                let cw = f32::from(face.advance(c)) * size / f32::from(face.units_per_em);
                if !line.is_empty() && line_w + cw > width {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts;

    #[test]
    fn never_exceeds_the_width_even_for_a_long_token() {
        let f = fonts::regular();
        let text = format!("Kurz {} und weiter mit normalen Wörtern", "X".repeat(300));
        for width in [40.0, 120.0, 300.0] {
            let lines = wrap(&text, f, 9.0, width);
            assert!(lines.len() > 1);
            for l in &lines {
                assert!(f.width(l, 9.0) <= width + 0.01, "{l:?} wider than {width}");
            }
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        }
    }

    #[test]
    fn keeps_paragraph_breaks_as_an_empty_line() {
        let lines = wrap("eins\n\nzwei", fonts::regular(), 9.0, 200.0);
        assert_eq!(lines, vec!["eins", "", "zwei"]);
    }

    #[test]
    fn fills_lines_greedily() {
        let f = fonts::regular();
        let lines = wrap("a b c d e f g h", f, 10.0, f.width("a b c d", 10.0) + 0.1);
        assert_eq!(lines, vec!["a b c d", "e f g h"]);
    }
}
