//! The scenario catalogue and presets.
