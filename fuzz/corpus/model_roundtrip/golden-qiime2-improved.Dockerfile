FROM debian:bookworm-slim
ENV MPLBACKEND=agg \
    LC_ALL=C.UTF-8 \
    LANG=C.UTF-8 \
    HOME=/home/qiime2 \
    XDG_CONFIG_HOME=/home/qiime2
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        qiime \
        q2cli \
        q2templates \
        q2-cutadapt \
        q2-types \
        q2-metadata \
        q2-demux \
        q2-quality-filter \
        q2-feature-classifier \
        q2-feature-table \
        q2-quality-control \
        q2-taxa \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /home/qiime2
RUN qiime dev refresh-cache
ENTRYPOINT ["qiime"]
CMD ["info"]
