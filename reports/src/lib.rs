//! Self-contained HTML reports (filled in by the reports issue).
