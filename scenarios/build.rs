//! Lists `catalogue/*.toml` (sorted by name) into `$OUT_DIR/catalogue.rs`, so
//! the catalogue is the folder: a scenario file added there is compiled into
//! the binary with no list to update.
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("catalogue");
    println!("cargo:rerun-if-changed=catalogue");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable catalogue folder").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| {
            let stem = path.file_stem().and_then(|s| s.to_str());
            stem.unwrap_or_else(|| panic!("{}: not a UTF-8 name", path.display()))
                .to_string()
        })
        .collect();
    names.sort();
    let mut code = String::from(
        "/// Every built-in scenario, (name, TOML text), sorted by name.\n\
         pub const CATALOGUE: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        let path = dir.join(format!("{name}.toml"));
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("catalogue.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
