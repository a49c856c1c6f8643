FROM debian:bookworm-slim
RUN wget --progress=dot:giga https://example.org/x.tgz && wget -nv https://example.org/y.tgz
