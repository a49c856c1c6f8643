FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential \
        libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY dgemm.c ./
RUN gcc -O2 -o /usr/local/bin/dgemm dgemm.c -lopenblas
ENTRYPOINT ["/usr/local/bin/dgemm"]
