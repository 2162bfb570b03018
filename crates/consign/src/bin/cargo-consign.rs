//! `cargo consign ...`: the same CLI as `consign`, called by cargo.

use std::process::ExitCode;

fn main() -> ExitCode {
    consign::main_with_args(std::env::args_os())
}
