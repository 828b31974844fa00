//! Plain text tables for the terminal (comfy-table): aligned columns, no
//! borders, no wrapping, no trailing spaces, so `logjam`'s summaries read as
//! plain text and paste anywhere. Each column says its margin, its minimum
//! width, its alignment and the spaces after it.
use comfy_table::{
    presets::NOTHING, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width,
};

/// How one column is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Spaces before the column (a table's indent, on its first column).
    pub indent_chars: u16,
    /// The narrowest the column gets, content only.
    pub min_width_chars: u16,
    pub right_aligned: bool,
    /// Spaces after the column, before the next one.
    pub gap_chars: u16,
}

impl Column {
    /// Left-aligned, at least `min_width_chars` wide, one space after it.
    pub const fn left(min_width_chars: u16) -> Self {
        Column {
            indent_chars: 0,
            min_width_chars,
            right_aligned: false,
            gap_chars: 1,
        }
    }

    /// Right-aligned, at least `min_width_chars` wide, one space after it.
    pub const fn right(min_width_chars: u16) -> Self {
        Column {
            right_aligned: true,
            ..Column::left(min_width_chars)
        }
    }

    pub const fn gap(self, gap_chars: u16) -> Self {
        Column { gap_chars, ..self }
    }

    pub const fn indent(self, indent_chars: u16) -> Self {
        Column {
            indent_chars,
            ..self
        }
    }
}

/// The table as text, one line per row (the header first, when there is
/// one), each line ended by a newline.
pub fn render(columns: &[Column], header: Option<Vec<String>>, rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if let Some(header) = header {
        table.set_header(header);
    }
    let no_rows = rows.is_empty() && table.header().is_none();
    table.add_rows(rows);
    if no_rows {
        return String::new();
    }
    for (column, layout) in table.column_iter_mut().zip(columns) {
        column.set_padding((layout.indent_chars, layout.gap_chars));
        let padded = layout.indent_chars + layout.min_width_chars + layout.gap_chars;
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(padded)));
        if layout.right_aligned {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
        .lines()
        .map(|line| line.trim_end().to_string() + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn columns_align_like_format_padding() {
        let columns = [
            Column::left(4).indent(2),
            Column::right(3).gap(2),
            Column::left(0),
        ];
        let text = render(
            &columns,
            Some(strings(&["name", "n", "what"])),
            vec![strings(&["a", "7", "x y"]), strings(&["longer", "12", ""])],
        );
        let expected = [
            format!("  {:<6} {:>3}  {}", "name", "n", "what"),
            format!("  {:<6} {:>3}  {}", "a", "7", "x y"),
            format!("  {:<6} {:>3}", "longer", "12"),
        ];
        assert_eq!(text, expected.map(|l| l + "\n").concat());
    }

    #[test]
    fn no_rows_no_text() {
        assert_eq!(render(&[Column::left(3)], None, Vec::new()), "");
    }
}
