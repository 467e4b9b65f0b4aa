fn main() {
    std::process::exit(leaklint::cli::main());
}
