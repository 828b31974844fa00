fn main() {
    println!("logjam {}", env!("CARGO_PKG_VERSION"));
}
