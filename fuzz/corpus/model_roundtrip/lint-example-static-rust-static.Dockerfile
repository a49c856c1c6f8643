FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        cargo \
        rustc \
        gcc \
        libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY hello-rs/ ./
ENV RUSTFLAGS="-C target-feature=+crt-static"
RUN cargo build --release --locked --offline --target x86_64-unknown-linux-gnu

FROM scratch
COPY --from=build /src/target/x86_64-unknown-linux-gnu/release/hello-static /usr/local/bin/hello-static
ENTRYPOINT ["/usr/local/bin/hello-static"]
