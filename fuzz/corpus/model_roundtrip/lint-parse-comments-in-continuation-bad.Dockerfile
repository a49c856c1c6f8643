FROM debian:bookworm-slim
RUN apt-get update \
# install the compiler
    && apt-get install -y --no-install-recommends gcc \

    # and nothing else
    && echo done
USER nobody
