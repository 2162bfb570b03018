fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    if name == "--version" {
        println!("hello {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    println!("{}", hello_core::greeting(&name));
}
