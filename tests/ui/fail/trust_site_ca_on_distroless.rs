// The site CA's variables matter to RUNs only, and a distroless stage has
// none: trust it in the build stage that fetches.
use stagecraft::{distroless, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(distroless("gcr.io/distroless/static-debian12"))
        .trust_site_ca();
}
