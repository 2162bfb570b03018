use std::process::ExitCode;

fn main() -> ExitCode {
    consign::main_with_args(std::env::args_os())
}
