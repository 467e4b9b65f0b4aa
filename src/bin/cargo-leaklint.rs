// syn's parser and the rules allocate many small nodes; mimalloc serves them
// faster than glibc's malloc (docs/performance.md has the measurement).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(leaklint::cli::main());
}
