// The site CA's variables matter to RUNs only, and a distroless stage has
// none: trust it in the build stage that fetches.
use stagecraft::{shell_less, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(shell_less("gcr.io/distroless/static-debian12"))
        .trust_site_ca();
}
