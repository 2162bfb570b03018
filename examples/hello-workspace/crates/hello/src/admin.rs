fn main() {
    println!("hello-admin {}", env!("CARGO_PKG_VERSION"));
}
