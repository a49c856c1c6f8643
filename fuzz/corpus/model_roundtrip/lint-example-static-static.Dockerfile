FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential \
        libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY dgemm.c ./
RUN gcc -O2 -static -o /usr/local/bin/dgemm dgemm.c -lopenblas -lpthread -lm

FROM scratch
COPY --from=build /usr/local/bin/dgemm /usr/local/bin/dgemm
ENTRYPOINT ["/usr/local/bin/dgemm"]
