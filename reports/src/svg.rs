//! A minimal SVG writer: just the shapes the pages draw (rectangles, lines,
//! polylines, text, links), each with a CSS class so colours live in one
//! stylesheet. Every piece of text and every attribute value goes through
//! [`esc`]; callers never write raw markup. Coordinates are printed with one
//! decimal to keep large timelines small.
use crate::html::esc;
use std::fmt::Write;

pub struct Svg {
    buf: String,
}

/// Linear map from a domain (simulated ns, counts, ...) to pixels.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        let d1 = if d1 > d0 { d1 } else { d0 + 1.0 };
        Self { d0, d1, r0, r1 }
    }

    pub fn at(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

impl Svg {
    /// An `<svg>` of the given size; `label` becomes its accessible name.
    pub fn new(width: f64, height: f64, class: &str, label: &str) -> Self {
        let mut buf = String::with_capacity(4096);
        let _ = write!(
            buf,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="{}" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}">"#,
            esc(class),
            esc(label)
        );
        Self { buf }
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str, title: Option<&str>) {
        let _ = write!(
            self.buf,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" class="{}""#,
            w.max(0.0),
            h.max(0.0),
            esc(class)
        );
        self.close_with_title("rect", title);
    }

    /// A path from drawing commands this crate generates (numbers and
    /// command letters only; `d` is escaped all the same).
    pub fn path(&mut self, d: &str, class: &str, title: Option<&str>) {
        let _ = write!(self.buf, r#"<path d="{}" class="{}""#, esc(d), esc(class));
        self.close_with_title("path", title);
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = write!(
            self.buf,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" class="{}"/>"#,
            esc(class)
        );
    }

    pub fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        if points.is_empty() {
            return;
        }
        self.buf.push_str(r#"<polyline points=""#);
        for (i, (x, y)) in points.iter().enumerate() {
            if i > 0 {
                self.buf.push(' ');
            }
            let _ = write!(self.buf, "{x:.1},{y:.1}");
        }
        let _ = write!(self.buf, r#"" class="{}"/>"#, esc(class));
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, class: &str, title: Option<&str>) {
        let _ = write!(
            self.buf,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" class="{}""#,
            esc(class)
        );
        self.close_with_title("circle", title);
    }

    /// Text; `anchor` is "start", "middle" or "end".
    pub fn text(&mut self, x: f64, y: f64, class: &str, anchor: &str, text: &str) {
        let _ = write!(
            self.buf,
            r#"<text x="{x:.1}" y="{y:.1}" class="{}" text-anchor="{}">{}</text>"#,
            esc(class),
            esc(anchor),
            esc(text)
        );
    }

    /// Start a link; everything drawn until [`Svg::end_link`] is inside it.
    pub fn begin_link(&mut self, href: &str) {
        let _ = write!(self.buf, r#"<a href="{}">"#, esc(href));
    }

    pub fn end_link(&mut self) {
        self.buf.push_str("</a>");
    }

    pub fn begin_group(&mut self, class: &str) {
        let _ = write!(self.buf, r#"<g class="{}">"#, esc(class));
    }

    /// A group clipped to a rectangle (`id` must be unique on the page), with
    /// `data-*` attributes for a script to read.
    pub fn begin_clipped_group(
        &mut self,
        class: &str,
        id: &str,
        (x, y, w, h): (f64, f64, f64, f64),
    ) {
        let _ = write!(
            self.buf,
            r#"<defs><clipPath id="{id}"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"/></clipPath></defs><g class="{}" clip-path="url(#{id})">"#,
            esc(class),
            id = esc(id)
        );
    }

    /// Markup this crate wrote as a constant (`<defs>` of a pattern); never
    /// text from a history.
    pub fn constant(&mut self, markup: &'static str) {
        self.buf.push_str(markup);
    }

    pub fn end_group(&mut self) {
        self.buf.push_str("</g>");
    }

    pub fn finish(mut self) -> String {
        self.buf.push_str("</svg>");
        self.buf
    }

    fn close_with_title(&mut self, tag: &str, title: Option<&str>) {
        match title {
            Some(t) => {
                let _ = write!(self.buf, "><title>{}</title></{tag}>", esc(t));
            }
            None => self.buf.push_str("/>"),
        }
    }
}

/// Round tick positions for an axis over `[0, max]`: about `want` of them at
/// 1, 2 or 5 times a power of ten.
pub fn ticks(max: f64, want: usize) -> Vec<f64> {
    if max <= 0.0 || want == 0 {
        return vec![0.0];
    }
    let raw = max / want as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|v| *v <= max + step * 1e-9)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let mut s = Svg::new(10.0, 10.0, "c", "l");
        s.text(0.0, 0.0, "t", "start", "<script>alert(1)</script>");
        s.rect(0.0, 0.0, 1.0, 1.0, "r", Some("<b>"));
        let out = s.finish();
        assert!(!out.contains("<script>"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(out.contains("<title>&lt;b&gt;</title>"));
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(0.0, 5), vec![0.0]);
        assert_eq!(Scale::new(0.0, 10.0, 100.0, 200.0).at(5.0), 150.0);
    }
}
